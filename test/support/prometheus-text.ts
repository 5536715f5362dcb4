import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureVenv } from './python-venv';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: string;
  samples: Sample[];
}

/** The metric families of a Prometheus text exposition, read by the Prometheus project's own parser (prometheus_client). */
export function parsePrometheusText(text: string): MetricFamily[] {
  const bin = ensureVenv('.venv-prometheus', 'prometheus_client==0.26.0');
  const result = spawnSync(path.join(bin, 'python'), [path.join(__dirname, 'parse_metrics.py')], { input: text, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`the exposition does not parse: ${result.stderr}`);
  const families = JSON.parse(result.stdout) as {
    name: string;
    type: string;
    samples: (Omit<Sample, 'value'> & { value: number | string })[];
  }[];
  return families.map((family) => ({
    ...family,
    samples: family.samples.map((sample) => ({ ...sample, value: sampleValue(sample.value) })),
  }));
}

/** NaN and the infinities come as their exposition names (JSON has no such numbers). */
function sampleValue(value: number | string): number {
  if (typeof value === 'number') return value;
  return { NaN: NaN, '+Inf': Infinity, '-Inf': -Infinity }[value] ?? Number(value);
}

/** Every sample, flat, for lookups by sample name and labels. */
export class Scrape {
  readonly samples: Sample[];

  constructor(readonly families: MetricFamily[]) {
    this.samples = families.flatMap((family) => family.samples);
  }

  static of(text: string): Scrape {
    return new Scrape(parsePrometheusText(text));
  }

  /** The sum of the samples named `name` whose labels include `labels` (0 when there are none). */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.matching(name, labels).reduce((total, sample) => total + sample.value, 0);
  }

  matching(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  }

  names(): Set<string> {
    return new Set(this.families.map((family) => family.name));
  }
}
