import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { EnvironmentVariables } from './environment';
import { loadConfig } from './load-config';

const root = path.resolve(__dirname, '../..');
const settingNames = [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((metadata) => metadata.propertyName),
  ),
].sort();

function envExample(): Record<string, string> {
  const lines = readFileSync(path.join(root, '.env.example'), 'utf8').split('\n');
  const entries = lines.filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line)).map((line) => line.split(/=(.*)/s).slice(0, 2));
  return Object.fromEntries(entries) as Record<string, string>;
}

describe('configuration files stay in step with the code', () => {
  it('.env.example lists every setting, and only those, with valid values', () => {
    const example = envExample();
    expect(Object.keys(example).sort()).toEqual(settingNames);
    expect(() => loadConfig(example)).not.toThrow();
  });

  it('docker-compose.yml gives the service a valid configuration of known settings', () => {
    const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment: Record<string, string | number> }>;
    };
    // Compose interpolates `${NAME:-default}` from the shell; the spec reads the defaults.
    const interpolated = (value: string | number): string => String(value).replace(/\$\{\w+:-([^}]*)\}/g, '$1');
    const environment = Object.fromEntries(
      Object.entries(compose.services.registry.environment).map(([name, value]) => [name, interpolated(value)]),
    );
    expect(settingNames).toEqual(expect.arrayContaining(Object.keys(environment)));
    const config = loadConfig(environment);
    expect(config.kafka.brokers).toEqual(['kafka:9092']);
    expect(config.mongodb.uri).toMatch(/^mongodb:\/\/mongodb:27017\//);
    expect(compose.services.registry).toMatchObject({ ports: [`${config.http.port}:${config.http.port}`] });
    // The archive is on, into the compose file's own S3-compatible service.
    expect(config.archive).toMatchObject({ enabled: true, s3: { endpoint: 'http://s3:80', forcePathStyle: true } });
    expect(Object.keys(compose.services)).toContain('s3');
  });

  it('runs the service with the Node flags of package.json in npm start and the Docker image', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      config: { serviceNodeFlags: string };
      scripts: Record<string, string>;
    };
    const flags = pkg.config.serviceNodeFlags.split(' ');
    expect(pkg.scripts.start).toBe('node $npm_package_config_serviceNodeFlags dist/main');
    expect(pkg.scripts['start:local']).toContain('node $npm_package_config_serviceNodeFlags dist/main');
    const cmd = readFileSync(path.join(root, 'Dockerfile'), 'utf8').match(/^CMD (\[.*\])$/m)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...flags, 'dist/main.js']);
  });
});
