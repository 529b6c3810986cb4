/** Test helpers: the real Alibaba Cloud client, and raw signed HTTP requests. */
import { request } from 'node:http';
import OpenApi, * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import { DEMO_CREDENTIAL, signAcs3Request, signRpcV1Params, type Simulator, type SimulatorCredential } from '../../src/simulator/index.js';

const ClientClass = ((OpenApi as unknown as { default?: unknown }).default ?? OpenApi) as new (config: $OpenApi.Config) => {
  callApi(params: $OpenApi.Params, request: $OpenApi.OpenApiRequest, runtime: $Util.RuntimeOptions): Promise<{ statusCode: number; body: any }>;
};

export interface RealClientOptions {
  credential?: Partial<SimulatorCredential>;
  signatureAlgorithm?: 'v2';
  readTimeout?: number;
}

/** Calls the simulator through the real @alicloud/openapi-client, as the exporter does. */
export function realClient(sim: Simulator, options: RealClientOptions = {}) {
  const credential = { ...DEMO_CREDENTIAL, ...options.credential };
  const client = new ClientClass(
    new $OpenApi.Config({
      accessKeyId: credential.accessKeyId,
      accessKeySecret: credential.accessKeySecret,
      securityToken: credential.securityToken,
      endpoint: sim.endpoint,
      protocol: 'http',
      signatureAlgorithm: options.signatureAlgorithm,
      readTimeout: options.readTimeout,
    }),
  );
  return (action: string, query: Record<string, string> = {}) =>
    client.callApi(
      new $OpenApi.Params({
        action,
        version: '2019-03-06',
        protocol: 'HTTP',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      }),
      new $OpenApi.OpenApiRequest({ query }),
      new $Util.RuntimeOptions({ readTimeout: options.readTimeout }),
    );
}

/** The error a failed real-client call throws: code and HTTP status. */
export async function clientError(call: Promise<unknown>): Promise<{ code: string; statusCode: number }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code: string; data?: { statusCode?: number } };
    return { code: e.code, statusCode: e.data?.statusCode ?? 0 };
  }
  throw new Error('expected the call to fail');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'POST', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (init.body) req.write(init.body);
    req.end();
  });
}

export interface RawCallOptions {
  scheme?: 'acs3' | 'v1';
  credential?: SimulatorCredential;
  date?: number;
  nonce?: string;
  version?: string;
  /** Form parameters sent in the body instead of the query (ACS3 only). */
  body?: Record<string, string>;
}

/** A request signed by the simulator's own signing helpers (validated against the real client elsewhere). */
export function rawCall(sim: Simulator, action: string, params: Record<string, string> = {}, options: RawCallOptions = {}): Promise<RawResponse> {
  const credential = options.credential ?? DEMO_CREDENTIAL;
  const version = options.version ?? '2019-03-06';
  if (options.scheme === 'v1') {
    const signed = signRpcV1Params({ credential, action, version, params, date: options.date, nonce: options.nonce });
    return httpRequest(`${sim.url}/?${new URLSearchParams(signed)}`);
  }
  const body = options.body ? new URLSearchParams(options.body).toString() : '';
  const headers = signAcs3Request({ credential, action, version, host: sim.endpoint, query: params, body, date: options.date, nonce: options.nonce });
  const query = new URLSearchParams(params).toString();
  return httpRequest(`${sim.url}/${query ? `?${query}` : ''}`, { headers, body });
}

/** Every page of a list action, following PageNum until TotalPages. */
export async function allPages(sim: Simulator, action: string, params: Record<string, string>, itemKey: string): Promise<any[]> {
  const items: any[] = [];
  for (let page = 0; ; page++) {
    const res = await rawCall(sim, action, { ...params, PageNum: String(page) });
    const body = res.json();
    items.push(...(body.Items?.[itemKey] ?? []));
    if (page + 1 >= body.TotalPages) return items;
  }
}
