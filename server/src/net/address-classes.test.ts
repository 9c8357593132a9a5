import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address-classes.js';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['127.0.0.1', 'private'],
    ['127.255.0.9', 'private'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.1.1', 'private'],
    ['::1', 'private'],
    ['[::1]', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['169.254.169.254', 'forbidden'],
    ['100.100.100.200', 'forbidden'],
    ['fd00:ec2::254', 'forbidden'],
    ['0.0.0.0', 'forbidden'],
    ['::', 'forbidden'],
    ['224.0.0.1', 'forbidden'],
    ['255.255.255.255', 'forbidden'],
    ['ff02::1', 'forbidden'],
    ['fe80::1%eth0', 'forbidden'],
    ['example.com', 'forbidden'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address).kind).toBe(kind);
  });

  it.each([
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['[::ffff:169.254.169.254]', 'a cloud metadata address'],
    ['::ffff:0:10.0.0.1', 'a private address (RFC 1918)'],
    ['::10.0.0.1', 'a private address (RFC 1918)'],
    ['64:ff9b::a9fe:a9fe', 'a cloud metadata address'],
    ['2002:7f00:1::', 'a loopback address'],
    ['2002:c0a8:101::1', 'a private address (RFC 1918)'],
  ])('judges %s by the IPv4 address it carries (%s)', (address, label) => {
    expect(classifyAddress(address)).toEqual({ kind: label === 'a cloud metadata address' ? 'forbidden' : 'private', label });
  });

  it('keeps public IPv4 addresses carried in IPv6 public', () => {
    expect(classifyAddress('::ffff:8.8.8.8')).toEqual({ kind: 'public' });
    expect(classifyAddress('2002:0808:0808::1')).toEqual({ kind: 'public' });
  });
});
