// The few read calls the demo's console and its test make to Relay Warden's API (ops token).
export class WardenApi {
  constructor(
    readonly baseUrl: string,
    private readonly opsToken: string,
  ) {}

  async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${this.opsToken}` } });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    return (await response.json()) as T;
  }

  /** Every relay address with its confirmed listings (zone id and codes). */
  async listedIps(): Promise<{ ip: string; zones: { zoneId: string; codes: string[] }[] }[]> {
    const body = await this.get<{ ips: { ip: string; listed: boolean; zones: { zoneId: string; status: string; codes: string[] }[] }[] }>('/api/v1/ips');
    return body.ips
      .filter((ip) => ip.listed)
      .map((ip) => ({ ip: ip.ip, zones: ip.zones.filter((zone) => zone.status === 'listed').map(({ zoneId, codes }) => ({ zoneId, codes })) }));
  }

  /** Senders whose automatic action is `action`, with the reason. */
  async sendersWith(action: 'warn' | 'throttle' | 'suspend'): Promise<{ id: string; reason: string }[]> {
    const body = await this.get<{ items: { id: string; automaticAction: string; policy: { reason: string } }[] }>(`/api/v1/senders?action=${action}&limit=500`);
    return body.items.map((item) => ({ id: item.id, reason: item.policy.reason }));
  }

  async count(path: '/api/v1/complaints' | '/api/v1/bounces' | '/api/v1/quarantine', limit = 500): Promise<number> {
    const body = await this.get<{ items: unknown[] }>(`${path}?limit=${limit}`);
    return body.items.length;
  }
}
