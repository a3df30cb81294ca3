import type { ComponentChildren } from 'preact';
import { ScrollRegion } from './scroll-region.tsx';

export interface DataRow {
  id: string;
  /** Extra attributes of the row, such as `data-run`. */
  attrs?: Record<string, string>;
  /** A cell per column key. */
  cells: Record<string, ComponentChildren>;
}

/** A plain table of records in a region that scrolls sideways on a phone; each cell names its column. */
export function DataTable(props: {
  label: string;
  name: string;
  columns: readonly { key: string; label: string }[];
  rows: readonly DataRow[];
}) {
  return (
    <ScrollRegion label={props.label}>
      <table class={props.name}>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column.key} scope="col">
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.id} {...row.attrs}>
              {props.columns.map((column) => (
                <td key={column.key} data-key={column.key}>
                  {row.cells[column.key]}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
