import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Scrape } from './support/prometheus-text';
import { promtool } from './support/promtool';
import { ROOT } from './support/python-venv';
import { useTestApp } from './support/test-app';

const ALERTS = path.join(ROOT, 'docs/prometheus-alerts.yml');
const DASHBOARD = path.join(ROOT, 'docs/grafana-dashboard.json');

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}
interface RuleFile {
  groups: { rules: { alert: string; expr: string }[] }[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const rules = (parse(readFileSync(ALERTS, 'utf8')) as RuleFile).groups.flatMap((group) => group.rules);
const dashboardExprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));

/** The metric names an expression reads (ours, the Node process's and the event loop's). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:registry|process|nodejs)_[a-z0-9_]+\b/g)].map((match) => match[0]);
}

/**
 * The alerts and the dashboard a team imports: promtool (Prometheus' own
 * checker) accepts the rule file and every dashboard expression, the compose
 * file's Prometheus configuration is valid, and every metric they read is one
 * the service's /metrics serves.
 */
describe('docs/prometheus-alerts.yml and docs/grafana-dashboard.json (e2e)', () => {
  const testApp = useTestApp();
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'registry-promtool-'));
  });

  afterAll(async () => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('has rules promtool accepts, for each alert the README explains', () => {
    expect(promtool(['check', 'rules', ALERTS])).toContain(`SUCCESS: ${rules.length} rules found`);
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const { alert } of rules) expect(readme).toContain(`\`${alert}\``);
  });

  it("has dashboard queries promtool parses, and the compose file's Prometheus configuration is valid", () => {
    const asRules = { groups: [{ name: 'dashboard', rules: dashboardExprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    const file = path.join(tmp, 'dashboard-rules.json');
    writeFileSync(file, JSON.stringify(asRules));
    expect(promtool(['check', 'rules', file])).toContain(`SUCCESS: ${dashboardExprs.length} rules found`);
    expect(promtool(['check', 'config', '--syntax-only', path.join(ROOT, 'docs/prometheus.yml')])).toContain('SUCCESS');
  });

  it('reads only metrics that /metrics serves', async () => {
    const scrape = Scrape.of((await testApp.api().get('/metrics').expect(200)).text);
    const served = new Set<string>();
    for (const family of scrape.families) {
      served.add(family.name);
      // The parser names counter families without `_total` and histogram families without their suffixes.
      if (family.type === 'counter') served.add(`${family.name}_total`);
      if (family.type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) served.add(`${family.name}${suffix}`);
    }
    const used = new Set([...rules.map((rule) => rule.expr), ...dashboardExprs].flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
  });
});
