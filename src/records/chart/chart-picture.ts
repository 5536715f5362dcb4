import type { DatasetField } from '../../datasets/dataset-shape';
import type { ChartBandsResult } from './chart-bands';

/** What a chart shows, as the service hands it to the render worker (plain data: it is copied across threads). */

/** Plot's own categorical scheme (observable10), named so that the legend shows the colours the marks get. */
export const FIELD_COLOURS = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5', '#9c6b4e', '#9498a0'];

export interface ChartPicture {
  /** The dataset's name. */
  title: string;
  /** What is shown: the live points, or a version (and its digest). */
  subtitle: string;
  width: number;
  height: number;
  /** The time range shown, when known (epoch ms, `to` exclusive). */
  from?: number;
  to?: number;
  /** The fields charted, each with its colour (in this order). */
  fields: readonly DatasetField[];
  /** The intervals, or a sentence saying why there is nothing to draw. */
  content: ChartBandsResult | { message: string };
}

/** Fields that share a unit share a panel (and a value axis); a field without a unit has its own. */
export function panelsOf(fields: readonly DatasetField[]): { label: string; fields: DatasetField[] }[] {
  const panels = new Map<string, { label: string; fields: DatasetField[] }>();
  for (const field of fields) {
    const key = field.unit === undefined ? `field:${field.name}` : `unit:${field.unit}`;
    if (!panels.has(key)) panels.set(key, { label: field.unit ?? field.name, fields: [] });
    panels.get(key)?.fields.push(field);
  }
  return [...panels.values()];
}
