/** Fetching the Kafka broker's jars and building FerretDB into the stack's cache, once per content of their sources. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OVERLAY_SOURCES, overlayBuildArgs } from './ferretdb-overlay';
import { fingerprint, requireTool, runCommand, seconds } from './processes';
import { FERRETDB_MODULE, KAFKA_POM, REPO_ROOT, S3PROXY_POM, StackError } from './settings';

export type Log = (line: string) => void;

/** Fetches the broker's runtime classpath with Maven, once per pom.xml content. */
export function provisionKafka(cacheDir: string, log: Log): Promise<string> {
  return provisionJars(cacheDir, log, 'kafka', KAFKA_POM, 'the Kafka broker jars');
}

/** Fetches S3Proxy's runtime classpath with Maven, once per pom.xml content. */
export function provisionS3Proxy(cacheDir: string, log: Log): Promise<string> {
  return provisionJars(cacheDir, log, 's3proxy', S3PROXY_POM, 'the S3Proxy jars');
}

async function provisionJars(cacheDir: string, log: Log, name: string, pom: string, what: string): Promise<string> {
  const libs = path.join(cacheDir, `${name}-${fingerprint([pom])}`, 'libs');
  if (fs.existsSync(path.join(libs, '.complete'))) return libs;
  requireTool('mvn', ['-v'], `Maven is needed to fetch ${what} from Maven Central`);
  log(`fetching ${what} from Maven Central (first run only, about a minute)...`);
  fs.rmSync(libs, { recursive: true, force: true });
  await runWithProgress(
    log,
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      pom,
      'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libs}`,
    ],
    `fetching ${what}`,
  );
  fs.writeFileSync(path.join(libs, '.complete'), new Date().toISOString());
  pruneCache(cacheDir, `${name}-`, path.dirname(libs));
  return libs;
}

/** Builds our FerretDB main (embedding FerretDB v1.24.2, with stack/ferretdb-overlay.ts applied), once per source content. */
export async function provisionFerretDb(cacheDir: string, log: Log): Promise<string> {
  const sources = fs
    .readdirSync(FERRETDB_MODULE)
    .filter((file) => file.endsWith('.go') || file === 'go.mod' || file === 'go.sum')
    .sort()
    .map((file) => path.join(FERRETDB_MODULE, file))
    .concat(OVERLAY_SOURCES);
  const binary = path.join(cacheDir, `ferretdb-${fingerprint(sources)}`, 'ferretdb');
  if (fs.existsSync(binary)) return binary;
  requireTool('go', ['version'], 'Go is needed to build FerretDB from the Go module proxy');
  log('building FerretDB v1.24.2 from the Go module proxy (first run only, a few minutes)...');
  const partial = `${binary}.partial`;
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const overlay = await overlayBuildArgs(path.dirname(binary));
  await runWithProgress(log, 'go', ['build', '-trimpath', ...overlay, '-o', partial, '.'], 'building FerretDB', FERRETDB_MODULE);
  fs.renameSync(partial, binary);
  pruneCache(cacheDir, 'ferretdb-', path.dirname(binary));
  return binary;
}

/** Removes what earlier versions of the pom or of the FerretDB main left in the cache. */
function pruneCache(cacheDir: string, prefix: string, keep: string): void {
  for (const entry of fs.readdirSync(cacheDir)) {
    const dir = path.join(cacheDir, entry);
    if (entry.startsWith(prefix) && dir !== keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function runWithProgress(log: Log, command: string, args: string[], what: string, cwd = REPO_ROOT): Promise<void> {
  const t0 = Date.now();
  const ticker = setInterval(() => log(`${what}... ${seconds(Date.now() - t0)}`), 15_000);
  try {
    const { code, output } = await runCommand(command, args, cwd);
    if (code !== 0) {
      const lastLines = output.trim().split('\n').slice(-30).join('\n');
      throw new StackError(`${what} failed (${command} exited with ${code}):\n${lastLines}`);
    }
  } finally {
    clearInterval(ticker);
  }
  log(`${what}: done in ${seconds(Date.now() - t0)}`);
}
