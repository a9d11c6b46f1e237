import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import ipaddr from 'ipaddr.js';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AppException } from '../../common/errors/app.exception';
import { ErrorCode } from '../../common/errors/error-code';
import { securityConfig, SecurityConfig } from '../../config/configuration';

export const MAX_CALLBACK_URL_LENGTH = 2048;

/** A host name resolved to addresses: the function tests replace to stand in for DNS. */
export type HostResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
export const HOST_RESOLVER = Symbol('HOST_RESOLVER');

export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** A callback URL that passed the policy, with the addresses delivery must connect to. */
export interface CheckedCallback {
  url: URL;
  addresses: Array<{ address: string; family: 4 | 6 }>;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Callbacks cannot be turned against the service's own network: http(s) only, no credentials,
 * at most 2048 characters, and every address the host resolves to must be public unicast
 * (loopback, private, link-local, unique-local, CGNAT, multicast, unspecified, reserved and
 * the IPv6 ranges that embed IPv4 addresses are refused), unless the host or a CIDR is in
 * CALLBACK_ALLOWED_HOSTS. The host of ORCHESTRATOR_SERVICE_URL is always allowed.
 * WHATWG URL parsing normalises odd IPv4 spellings (0x7f.1, 2130706433, 0177.0.0.1) first.
 */
@Injectable()
export class CallbackUrlPolicy {
  private readonly allowedHosts = new Set<string>();
  private readonly allowedCidrs: Cidr[] = [];

  constructor(
    @Inject(securityConfig.KEY) config: SecurityConfig,
    @Inject(HOST_RESOLVER) private readonly resolve: HostResolver,
  ) {
    for (const entry of config.callbackAllowedHosts) {
      const cidr = parseCidr(entry);
      if (cidr) this.allowedCidrs.push(cidr);
      else this.allowedHosts.add(entry.toLowerCase());
    }
    if (config.orchestratorUrl) this.allowedHosts.add(bareHost(new URL(config.orchestratorUrl).hostname));
  }

  /** Checks the URL and resolves its host; 400 CALLBACK_NOT_ALLOWED naming the reason. */
  async check(raw: unknown): Promise<CheckedCallback> {
    if (typeof raw !== 'string' || raw.length > MAX_CALLBACK_URL_LENGTH) {
      throw refused(`callback_url must be a URL of at most ${MAX_CALLBACK_URL_LENGTH} characters`, 'invalid_url');
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw refused('callback_url is not a valid URL', 'invalid_url');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refused('callback_url must use http or https', 'scheme');
    }
    if (url.username || url.password) throw refused('callback_url must not carry credentials', 'credentials');
    const host = bareHost(url.hostname);
    const hostAllowed = this.allowedHosts.has(host);

    let addresses: Array<{ address: string; family: number }>;
    if (isIP(host)) {
      addresses = [{ address: host, family: isIP(host) }];
    } else {
      try {
        addresses = await this.resolve(host);
      } catch {
        throw refused(`The callback host ${host} does not resolve`, 'unresolvable');
      }
      if (addresses.length === 0) throw refused(`The callback host ${host} does not resolve`, 'unresolvable');
    }
    const checked = addresses.map(({ address }) => {
      const parsed = ipaddr.process(address);
      return { address: parsed.toString(), family: parsed.kind() === 'ipv4' ? (4 as const) : (6 as const), parsed };
    });
    if (!hostAllowed) {
      for (const { parsed } of checked) {
        const range = parsed.range();
        if (range === 'unicast' || this.allowedCidrs.some((cidr) => inCidr(parsed, cidr))) continue;
        throw refused(`callback_url resolves to a ${range} address, which callbacks may not reach`, range);
      }
    }
    return { url, addresses: checked.map(({ address, family }) => ({ address, family })) };
  }
}

function bareHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** "10.0.0.0/8", "fd00::/8" or a single address (as /32 or /128); anything else is a host name. */
export function parseCidr(entry: string): Cidr | undefined {
  try {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    if (ipaddr.isValid(entry)) {
      const address = ipaddr.process(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    }
  } catch {
    throw new Error(`CALLBACK_ALLOWED_HOSTS: '${entry}' is not a valid CIDR`);
  }
  return undefined;
}

function inCidr(address: ipaddr.IPv4 | ipaddr.IPv6, [network, bits]: Cidr): boolean {
  return address.kind() === network.kind() && address.match(network, bits);
}

function refused(message: string, reason: string): AppException {
  return new AppException(ErrorCode.CALLBACK_NOT_ALLOWED, message, HttpStatus.BAD_REQUEST, { reason });
}
