/** The lab's per-namespace counters and tcp_info parsing (bench/tunnel.mjs measures the uplink with them). */
import { describe, expect, it } from 'vitest';
import { parseNetCounters, parseSs } from '../../src/lab/reach.js';

describe('lab: network namespace counters', () => {
  it('reads IpExt octets, Tcp segments and TcpExt keepalive probes from /proc/<pid>/net', () => {
    const netstat = [
      'TcpExt: SyncookiesSent TCPKeepAlive DelayedACKs',
      'TcpExt: 0 7 12',
      'IpExt: InNoRoutes InOctets OutOctets',
      'IpExt: 0 10400 10400',
      '',
    ].join('\n');
    const snmp = ['Ip: Forwarding DefaultTTL', 'Ip: 1 64', 'Tcp: RtoAlgorithm ActiveOpens InSegs OutSegs', 'Tcp: 1 2 200 200', ''].join('\n');
    expect(parseNetCounters(netstat, snmp)).toEqual({ inOctets: 10400, outOctets: 10400, inSegs: 200, outSegs: 200, keepaliveProbes: 7 });
    expect(parseNetCounters('', '')).toEqual({ inOctets: 0, outOctets: 0, inSegs: 0, outSegs: 0, keepaliveProbes: 0 });
  });

  it('reads bytes and segments of each socket from ss -tinH', () => {
    const text = [
      '0      0      127.0.0.1:34216 127.101.254.1:443',
      '\t cubic wscale:10,10 rto:204 rtt:0.04/0.022 mss:1448 bytes_sent:3 bytes_acked:4 bytes_received:3 segs_out:4 segs_in:3 data_segs_out:1 data_segs_in:1 lastsnd:1004',
      '0      0      127.0.0.1:34218 127.101.254.1:22',
      '\t cubic bytes_sent:1000 bytes_received:2000 segs_out:10 segs_in:12',
      '',
    ].join('\n');
    expect(parseSs(text)).toEqual([
      { local: '127.0.0.1:34216', peer: '127.101.254.1:443', bytesSent: 3, bytesReceived: 3, segsOut: 4, segsIn: 3 },
      { local: '127.0.0.1:34218', peer: '127.101.254.1:22', bytesSent: 1000, bytesReceived: 2000, segsOut: 10, segsIn: 12 },
    ]);
  });
});
