import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { DatasetField } from '../../datasets/dataset-shape';
import { ChartPicture, FIELD_COLOURS, panelsOf } from './chart-picture';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The little of the DOM this file uses (the project compiles without the DOM library; linkedom provides it at run time). */
interface SvgNode {
  setAttribute(name: string, value: string): void;
  appendChild(node: SvgNode): unknown;
  textContent: string | null;
  readonly outerHTML: string;
}
interface SvgDocument {
  createElementNS(namespace: string, name: string): SvgNode;
}
/** Plot's entry point as this file uses it (Plot's declarations name DOM types, which the project compiles without). */
const plot = Plot.plot as unknown as (options: Omit<Plot.PlotOptions, 'document'> & { document: SvgDocument }) => SvgNode;
const HEADER_HEIGHT = 50;
const X_AXIS_HEIGHT = 30;
const MIN_PANEL_HEIGHT = 48;

/**
 * Renders a chart as standalone SVG on the server (a panel per unit, a UTC time axis, min/max bands).
 * ES modules: loaded only by the render worker (chart-render.worker.js). See docs/records.md#charts-get-datasetsidchartsvg.
 */
export function renderChart(picture: ChartPicture): string {
  const doc = (parseHTML('<!doctype html><html><body></body></html>') as unknown as { document: SvgDocument }).document;
  const svg = doc.createElementNS(SVG_NS, 'svg');
  setAttributes(svg, {
    xmlns: SVG_NS,
    width: picture.width,
    height: picture.height,
    viewBox: `0 0 ${picture.width} ${picture.height}`,
    role: 'img',
    'font-family': 'system-ui, sans-serif',
    'font-size': 12,
  });
  const heading = `${picture.title} — ${picture.subtitle}`;
  svg.appendChild(element(doc, 'title', {}, heading));
  svg.appendChild(element(doc, 'rect', { width: picture.width, height: picture.height, fill: 'white' }));
  svg.appendChild(element(doc, 'text', { class: 'chart-title', x: 8, y: 18, 'font-weight': 'bold', 'font-size': 14 }, heading));
  svg.appendChild(legend(doc, picture.fields));
  const colours = { domain: picture.fields.map((field) => field.name), range: FIELD_COLOURS };
  const x = { type: 'utc' as const, domain: domainOf(picture), label: 'UTC', grid: true };
  const body = picture.height - HEADER_HEIGHT;
  if ('message' in picture.content || picture.fields.length === 0) {
    const message = 'message' in picture.content ? picture.content.message : 'no number fields to chart';
    const panel = plot({
      document: doc,
      width: picture.width,
      height: body,
      marginLeft: 56,
      x: { ...x, axis: x.domain ? 'bottom' : null },
      y: { axis: null },
      marks: [Plot.frame({ strokeOpacity: 0.2 }), Plot.text([message], { frameAnchor: 'middle', fontSize: 16, className: 'chart-empty' })],
    });
    svg.appendChild(place(panel, HEADER_HEIGHT));
    return svg.outerHTML;
  }
  const { points, dense } = picture.content;
  const groups = panelsOf(picture.fields);
  const panelHeight = Math.max(MIN_PANEL_HEIGHT, Math.floor((body - X_AXIS_HEIGHT) / groups.length));
  groups.forEach((group, i) => {
    const last = i === groups.length - 1;
    const names = new Set(group.fields.map((field) => field.name));
    const data = points.filter((point) => names.has(point.field));
    const panel = plot({
      document: doc,
      width: picture.width,
      height: panelHeight + (last ? X_AXIS_HEIGHT : 0),
      marginLeft: 56,
      marginRight: 16,
      marginTop: 10,
      marginBottom: last ? X_AXIS_HEIGHT : 4,
      x: { ...x, axis: last ? 'bottom' : null },
      // The inset keeps the top tick's label clear of the axis label above it.
      y: { label: group.label, grid: true, nice: true, insetTop: 14 },
      color: colours,
      marks: [
        ...(dense
          ? [Plot.areaY(data, { x: 't', y1: 'min', y2: 'max', z: 'field', fill: 'field', fillOpacity: 0.25, className: 'chart-band' })]
          : []),
        Plot.lineY(data, { x: 't', y: 'mean', z: 'field', stroke: 'field', title: 'field', className: 'chart-line' }),
      ],
    });
    svg.appendChild(place(panel, HEADER_HEIGHT + i * panelHeight));
  });
  return svg.outerHTML;
}

function domainOf(picture: ChartPicture): [Date, Date] | undefined {
  return picture.from === undefined || picture.to === undefined ? undefined : [new Date(picture.from), new Date(picture.to)];
}

function legend(doc: SvgDocument, fields: readonly DatasetField[]): SvgNode {
  const group = element(doc, 'g', { class: 'chart-legend', transform: 'translate(8,30)' });
  let offset = 0;
  fields.forEach((field, i) => {
    const label = field.unit === undefined ? field.name : `${field.name} (${field.unit})`;
    const item = element(doc, 'g', { transform: `translate(${offset},0)` });
    item.appendChild(element(doc, 'rect', { width: 12, height: 12, rx: 2, fill: FIELD_COLOURS[i % FIELD_COLOURS.length] }));
    item.appendChild(element(doc, 'text', { x: 16, y: 10 }, label));
    group.appendChild(item);
    offset += 28 + label.length * 7;
  });
  return group;
}

function place(panel: SvgNode, y: number): SvgNode {
  setAttributes(panel, { x: 0, y });
  return panel;
}

function element(doc: SvgDocument, name: string, attributes: Record<string, string | number>, text?: string): SvgNode {
  const node = doc.createElementNS(SVG_NS, name);
  setAttributes(node, attributes);
  if (text !== undefined) node.textContent = text;
  return node;
}

function setAttributes(node: SvgNode, attributes: Record<string, string | number>): void {
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
}
