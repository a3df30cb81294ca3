import { type Route, setParams } from '../router.ts';
import { DayField } from './day-field.tsx';
import { ZonePicker } from './zone-picker.tsx';

/** The first and last local day of a range (both included) and the zone, kept in the URL. */
export function RangeFields({
  route,
  zone,
  from,
  to,
}: {
  route: Route;
  zone: string;
  from: string;
  to: string;
}) {
  return (
    <>
      <DayField label="From" value={from} onChange={(day) => setParams(route, { from: day })} />
      <DayField
        label="To (included)"
        value={to}
        min={from}
        onChange={(day) => setParams(route, { to: day })}
      />
      <ZonePicker value={zone} onChange={(value) => setParams(route, { zone: value })} />
    </>
  );
}
