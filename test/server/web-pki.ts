/**
 * Test certificates made with the openssl CLI in a temporary folder (EC P-256, valid one day):
 * a CA, a server certificate for 127.0.0.1/localhost signed by it, a client certificate signed
 * by it, and a client certificate from another CA. Plus a client for real HTTP(S) requests
 * that reports what a user would see: a status, or the connection error.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export const TESTDATA = join(import.meta.dirname, 'testdata');

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the openssl command is not installed (Debian package openssl)' : String((err as { stderr?: Buffer }).stderr ?? err);
    throw new Error(`openssl ${args[0]} failed: ${reason}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '1', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

/** A leaf key and certificate signed by `ca`, with the given serial (hex) and extensions. */
function makeLeaf(dir: string, name: string, ca: string, serial: string, cn: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', `0x${serial}`, '-days', '1',
    '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
}

const SERVER_EXT = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
const CLIENT_EXT = 'extendedKeyUsage=clientAuth\n';

export interface Pki {
  dir: string;
  read(name: string): string;
  /** Copies a fixture from testdata/ into the folder with the certificates; returns its new path. */
  fixture(name: string): string;
  /** Writes a new server certificate and key (a new key, serial `serial`) over server.crt / server.key, key first. */
  rotateServerCertificate(serial: string): void;
  close(): void;
}

export const FIRST_SERVER_SERIAL = '1001';

export function createPki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'dbs-web-pki-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'server', 'ca', FIRST_SERVER_SERIAL, 'localhost', SERVER_EXT);
  makeLeaf(dir, 'client', 'ca', '2001', 'prometheus', CLIENT_EXT);
  makeLeaf(dir, 'other-client', 'other-ca', '3001', 'stranger', CLIENT_EXT);
  return {
    dir,
    read: (name) => readFileSync(join(dir, name), 'utf8'),
    fixture(name) {
      const path = join(dir, name);
      copyFileSync(join(TESTDATA, name), path);
      return path;
    },
    rotateServerCertificate(serial) {
      makeLeaf(dir, 'next-server', 'ca', serial, 'localhost', SERVER_EXT);
      writeFileSync(join(dir, 'server.key'), readFileSync(join(dir, 'next-server.key')));
      writeFileSync(join(dir, 'server.crt'), readFileSync(join(dir, 'next-server.crt')));
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Of the server's certificate (HTTPS only). */
  serialNumber?: string;
  cipher?: string;
}

export interface RequestOptions {
  https?: boolean;
  path?: string;
  /** `user:password` for basic auth. */
  auth?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

/** One request on a new connection (no keep-alive, no TLS session reuse). Rejects with the connection error. */
export function get(port: number, options: RequestOptions = {}): Promise<Answer> {
  const { https = false, path = '/metrics', auth, ca, cert, key } = options;
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path, agent: false as const, headers: { connection: 'close' }, ...(auth !== undefined ? { auth } : {}) };
    const req = https ? httpsRequest({ ...common, ca, cert, key }) : httpRequest(common);
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')));
    req.on('response', (res) => {
      const socket = res.socket as TLSSocket;
      const serialNumber = https ? socket.getPeerCertificate().serialNumber : undefined;
      const cipher = https ? socket.getCipher().name : undefined;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ...(serialNumber ? { serialNumber } : {}), ...(cipher ? { cipher } : {}) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status, or `error` when the connection failed (handshake refused, reset, not TLS). */
export async function statusOf(port: number, options: RequestOptions = {}): Promise<number | 'error'> {
  try {
    return (await get(port, options)).status;
  } catch {
    return 'error';
  }
}

/** Retries `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
