import { useId } from 'preact/hooks';
import { timeZones } from '../time/zone.ts';

export function ZonePicker({ value, onChange }: { value: string; onChange: (zone: string) => void }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>Time zone</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {timeZones(value).map((zone) => (
          <option key={zone} value={zone}>
            {zone}
          </option>
        ))}
      </select>
    </div>
  );
}
