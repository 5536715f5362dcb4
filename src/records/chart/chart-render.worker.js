// The chart render worker: draws a chart's SVG off the event loop (a dense chart is tens of milliseconds of CPU).
// Plain CommonJS, so that it runs as it is both from dist/ (beside the compiled chart-svg.js) and from src/ under jest,
// whose module registry cannot load Plot and d3 (ES modules); a worker thread loads them with Node's own require.
'use strict';
const { parentPort } = require('node:worker_threads');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

if (!existsSync(join(__dirname, 'chart-svg.js'))) {
  // From src/ (tests, ts-node scripts) the renderer is TypeScript: compile it as it loads.
  require('ts-node').register({ transpileOnly: true, project: join(__dirname, '../../../tsconfig.json') });
}
const { renderChart } = require('./chart-svg');

parentPort.on('message', ({ id, picture }) => {
  try {
    parentPort.postMessage({ id, svg: renderChart(picture) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
