/** TLS material for the broker's SASL_SSL listener, made with keytool (Java's, which the broker needs anyway). */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StackError } from './settings';

/** Local-only: guards nothing but test keystores. */
export const KEYSTORE_PASSWORD = 'local-stack-keystore';

export interface KafkaTls {
  /** The CA certificate (PEM), for clients' KAFKA_SSL_CA_FILE. */
  caPem: string;
  /** PKCS12 keystore with the broker's key and certificate (SAN 127.0.0.1, localhost), signed by the CA. */
  keystore: string;
}

/**
 * A CA and a broker certificate it signs, made once into `dir` (kept in the
 * stack's cache). Written to a temporary folder and renamed into place, so
 * stacks starting side by side never see half a keystore.
 */
export function ensureKafkaTls(dir: string): KafkaTls {
  const tls = { caPem: path.join(dir, 'ca.pem'), keystore: path.join(dir, 'broker.p12') };
  if (fs.existsSync(tls.keystore)) return tls;
  const work = `${dir}.${process.pid}.partial`;
  fs.rmSync(work, { recursive: true, force: true });
  createCa(work, 'dataset-registry-local-ca');
  const keystore = path.join(work, 'broker.p12');
  generateKeyPair(keystore, 'broker', 'CN=localhost');
  const request = keytool('-certreq', '-alias', 'broker', ...store(keystore));
  const signed = keytool(
    '-gencert',
    '-alias',
    'ca',
    '-validity',
    '3650',
    '-rfc',
    '-ext',
    'SAN=IP:127.0.0.1,DNS:localhost',
    '-ext',
    'KU=digitalSignature,keyEncipherment',
    '-ext',
    'EKU=serverAuth',
    ...store(path.join(work, 'ca.p12')),
    { input: request },
  );
  // The chain goes in as CA first, then the signed certificate replaces the self-signed one.
  keytool('-importcert', '-noprompt', '-alias', 'ca', '-file', path.join(work, 'ca.pem'), ...store(keystore));
  keytool('-importcert', '-noprompt', '-alias', 'broker', ...store(keystore), { input: signed });
  try {
    fs.renameSync(work, dir);
  } catch {
    fs.rmSync(work, { recursive: true, force: true }); // another stack got there first: use its material
  }
  return tls;
}

/** A self-signed CA in `dir`: ca.p12 (with its key) and ca.pem. Tests use a second one as an untrusted CA. */
export function createCa(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const caStore = path.join(dir, 'ca.p12');
  generateKeyPair(caStore, 'ca', `CN=${name}`, ['-ext', 'bc:c']);
  const pem = path.join(dir, 'ca.pem');
  fs.writeFileSync(pem, keytool('-exportcert', '-rfc', '-alias', 'ca', ...store(caStore)));
  return pem;
}

/** An RSA key and a self-signed certificate for it, valid ten years, under `alias` in the keystore. */
function generateKeyPair(keystore: string, alias: string, dname: string, extra: string[] = []): void {
  keytool(
    '-genkeypair',
    '-alias',
    alias,
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-validity',
    '3650',
    '-dname',
    dname,
    ...extra,
    ...store(keystore),
  );
}

function store(file: string): string[] {
  return ['-keystore', file, '-storetype', 'PKCS12', '-storepass', KEYSTORE_PASSWORD];
}

function keytool(...args: (string | { input: string })[]): string {
  const last = args[args.length - 1];
  const input = typeof last === 'object' ? last.input : undefined;
  const flags = args.filter((arg): arg is string => typeof arg === 'string');
  const result = spawnSync('keytool', flags, { input, encoding: 'utf8' });
  if (result.error) throw new StackError('keytool not found on PATH: it comes with the Java 17 the broker needs');
  if (result.status !== 0) throw new StackError(`keytool ${flags[0]} failed: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}
