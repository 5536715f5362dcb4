import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** An element of a parsed SVG: attributes as `@name`, text as `#text`, children by tag name (always arrays). */
export interface SvgElement {
  [key: string]: unknown;
}

/** Parses SVG text strictly (well-formed XML, or it throws naming the fault) into a tree of SvgElements. */
export function parseSvg(svg: string): SvgElement {
  const valid = XMLValidator.validate(svg);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return new XMLParser({
    ignoreAttributes: false,
    alwaysCreateTextNode: true,
    attributeNamePrefix: '@',
    isArray: (_name: string, _path: unknown, _leaf: boolean, attribute: boolean) => !attribute,
  }).parse(svg) as SvgElement;
}

/** Every element named `name` anywhere under `node`, in document order. */
export function elementsNamed(node: unknown, name: string, found: SvgElement[] = []): SvgElement[] {
  if (Array.isArray(node)) node.forEach((child) => elementsNamed(child, name, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node as SvgElement)) {
      if (key === name) (value as SvgElement[]).forEach((element) => found.push(element));
      elementsNamed(value, name, found);
    }
  }
  return found;
}

/** The groups (`g`) of a class: the chart's marks are `chart-line`, `chart-band`, its legend `chart-legend`. */
export function groupsOfClass(tree: SvgElement, className: string): SvgElement[] {
  return elementsNamed(tree, 'g').filter((g) => g['@class'] === className);
}

/** The texts of the elements named `name` under `node`. */
export function textsOf(node: unknown, name: string): string[] {
  return elementsNamed(node, name).map((element) => String(element['#text']));
}
