import { useId } from 'preact/hooks';
import { isDay } from '../time/zone.ts';

/** A date input that reports only complete days, so half-typed dates never reach the URL. */
export function DayField(props: {
  label: string;
  value: string;
  min?: string;
  onChange: (day: string) => void;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        type="date"
        value={props.value}
        min={props.min}
        required
        onChange={(e) => {
          const value = e.currentTarget.value;
          if (isDay(value)) props.onChange(value);
        }}
      />
    </div>
  );
}
