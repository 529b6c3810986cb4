/**
 * Where the DBS OpenAPI lives for a region. Several regions are served by the shared
 * cn-hangzhou endpoint (that is how Alibaba Cloud's own SDK maps them); the others have
 * their own. A config `endpoint` always wins, which is how the simulator is reached.
 */
const SHARED = 'dbs-api.cn-hangzhou.aliyuncs.com';

const PUBLIC_ENDPOINTS: Readonly<Record<string, string>> = {
  'cn-hangzhou': SHARED,
  'cn-qingdao': SHARED,
  'cn-beijing': SHARED,
  'cn-zhangjiakou': SHARED,
  'cn-shanghai': SHARED,
  'cn-shenzhen': SHARED,
  'cn-hongkong': SHARED,
  'us-west-1': SHARED,
  'us-east-1': SHARED,
  'cn-hangzhou-finance': SHARED,
  'cn-shanghai-finance-1': SHARED,
  'cn-shenzhen-finance-1': SHARED,
};

export type EndpointType = 'public' | 'vpc';

export function dbsEndpoint(region: string, endpointType: EndpointType = 'public', override?: string): string {
  if (override) return override;
  if (endpointType === 'vpc') return `dbs-vpc.${region}.aliyuncs.com`;
  return PUBLIC_ENDPOINTS[region] ?? `dbs-api.${region}.aliyuncs.com`;
}
