import { DAY } from '../../common/testing/time';
import { elementsNamed, groupsOfClass, parseSvg, SvgElement, textsOf } from '../../common/testing/svg-tree';
import type { DatasetField } from '../../datasets/dataset-shape';
import type { BandPoint } from './chart-bands';
import { ChartPicture, FIELD_COLOURS, panelsOf } from './chart-picture';
import { ChartRenderer } from './chart-renderer';

const fields: DatasetField[] = [
  { name: 'kw', type: 'number', unit: 'kW' },
  { name: 'kw2', type: 'number', unit: 'kW' },
  { name: 'temp', type: 'number' },
];
const from = Date.UTC(2026, 0, 1);

function points(count: number): BandPoint[] {
  return Array.from({ length: count }, (_, i) =>
    fields.map((field, f) => ({ t: from + i * DAY, field: field.name, mean: i + f, min: i + f - 1, max: i + f + 1 })),
  ).flat();
}

function picture(overrides: Partial<ChartPicture> = {}): ChartPicture {
  return {
    title: 'meter',
    subtitle: 'live points',
    width: 800,
    height: 400,
    from,
    to: from + 30 * DAY,
    fields,
    content: { points: points(30), dense: true },
    ...overrides,
  };
}

/** Through the render worker, as the service draws them (Plot, an ES module, loads there). */
const renderer = new ChartRenderer();
afterAll(() => renderer.onModuleDestroy());
const renderChart = (picture: ChartPicture): Promise<string> => renderer.render(picture);

describe('renderChart (chart-svg.ts, in the render worker)', () => {
  it('is a standalone SVG document with a title naming the dataset and what is shown', async () => {
    const svg = await renderChart(picture({ subtitle: 'version 3 (sha256:0123456789ab…)' }));
    const tree = parseSvg(svg);
    const root = (tree.svg as SvgElement[])[0];
    expect(root['@xmlns']).toBe('http://www.w3.org/2000/svg');
    expect(root['@width']).toBe('800');
    expect(elementsNamed(tree, 'title')[0]['#text']).toBe('meter — version 3 (sha256:0123456789ab…)');
  });

  it('draws one line per field, each with its own colour and name, and a legend entry for each', async () => {
    const tree = parseSvg(await renderChart(picture()));
    const lines = groupsOfClass(tree, 'chart-line').flatMap((g) => g.path as SvgElement[]);
    expect(lines.map((path) => (path.title as SvgElement[])[0]['#text'])).toEqual(['kw', 'kw2', 'temp']);
    expect(lines.map((path) => path['@stroke'])).toEqual(FIELD_COLOURS.slice(0, 3));
    const legend = groupsOfClass(tree, 'chart-legend')[0];
    expect(textsOf(legend, 'text')).toEqual(['kw (kW)', 'kw2 (kW)', 'temp']);
    expect(elementsNamed(legend, 'rect').map((rect) => rect['@fill'])).toEqual(FIELD_COLOURS.slice(0, 3));
  });

  it('gives a value axis per unit: the two kW fields share a panel, the field without a unit has its own', async () => {
    expect(panelsOf(fields).map((panel) => [panel.label, panel.fields.map((field) => field.name)])).toEqual([
      ['kW', ['kw', 'kw2']],
      ['temp', ['temp']],
    ]);
    const tree = parseSvg(await renderChart(picture()));
    const axisLabels = elementsNamed(tree, 'g')
      .filter((g) => g['@aria-label'] === 'y-axis label')
      .map((g) => String((g.text as SvgElement[])[0]['#text']));
    expect(axisLabels).toEqual(['↑ kW', '↑ temp']);
  });

  it('labels the time axis in UTC with dates of the range', async () => {
    const tree = parseSvg(await renderChart(picture()));
    const ticks = elementsNamed(tree, 'g').filter((g) => g['@aria-label'] === 'x-axis tick label');
    expect(ticks).toHaveLength(1);
    expect(JSON.stringify(ticks[0])).toMatch(/Jan/);
    expect(JSON.stringify(elementsNamed(tree, 'g').filter((g) => g['@aria-label'] === 'x-axis label'))).toMatch(/UTC/);
  });

  it('draws the min/max band of each field for dense data, and none otherwise', async () => {
    const dense = parseSvg(await renderChart(picture()));
    expect(groupsOfClass(dense, 'chart-band').flatMap((g) => g.path as SvgElement[])).toHaveLength(3);
    const sparse = parseSvg(await renderChart(picture({ content: { points: points(30), dense: false } })));
    expect(groupsOfClass(sparse, 'chart-band')).toHaveLength(0);
  });

  it('says "no points" for an empty range, still a valid SVG', async () => {
    const tree = parseSvg(await renderChart(picture({ content: { message: 'no points' } })));
    expect(textsOf(tree, 'text')).toContain('no points');
    expect(groupsOfClass(tree, 'chart-line')).toHaveLength(0);
  });

  it('says so when the dataset has no number fields', async () => {
    const tree = parseSvg(await renderChart(picture({ fields: [], content: { points: [], dense: false } })));
    expect(textsOf(tree, 'text')).toContain('no number fields to chart');
  });

  it('escapes names, so that a dataset called <script> stays text', async () => {
    const svg = await renderChart(picture({ title: '<script>alert("x")</script> & co' }));
    parseSvg(svg);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
  });
});
