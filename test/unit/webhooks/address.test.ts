// The addresses a webhook may reach when private addresses are refused (the default).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { isLocalName, isPublicAddress, literalAddress } from '../../../src/messaging/webhooks/address.js';
import { checkedWebhookUrl } from '../../../src/messaging/webhooks/settings.js';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['100.63.255.255', true],
    ['100.128.0.0', true],
    ['172.15.255.255', true],
    ['172.32.0.0', true],
    ['2a00:1450:4001:80b::200e', true],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['100.64.0.1', false],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['169.254.169.254', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['192.168.0.10', false],
    ['198.18.0.1', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['fc00::1', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    // Every form that carries an IPv4 address inside IPv6 is refused, public or not...
    ['::ffff:8.8.8.8', false],
    ['::7f00:1', false],
    ['::127.0.0.1', false],
    ['::808:808', false],
    ['::ffff:0:7f00:1', false],
    ['::ffff:0:808:808', false],
    // ...except NAT64 and 6to4, which are judged by the address they carry.
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::a9fe:a9fe', false],
    ['64:ff9b::10.0.0.1', false],
    ['64:ff9b::808:808', true],
    ['64:ff9b:1::808:808', false],
    ['2002:7f00:1::1', false],
    ['2002:c0a8:101::1', false],
    ['2002:808:808::1', true],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false],
    ['2001:db8::1', false],
    ['fec0::1', false],
    ['192.88.99.1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('literalAddress', () => {
  it('finds addresses written in URLs, with or without brackets', () => {
    expect(literalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(literalAddress('[::1]')).toBe('::1');
    expect(literalAddress('example.com')).toBeNull();
  });
});

describe('isLocalName', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['api.localhost', true],
    ['metadata', true],
    ['printer.local', true],
    ['metadata.google.internal', true],
    ['router.home.arpa', true],
    ['1.0.0.127.in-addr.arpa', true],
    ['hooks.example.com', false],
    ['example.com.', false],
  ])('%s → %s', (name, expected) => {
    expect(isLocalName(name)).toBe(expected);
  });
});

describe('checkedWebhookUrl', () => {
  it('refuses local and private destinations by default, in every form they can be written', () => {
    for (const url of [
      'http://127.0.0.1:9000/hook',
      'http://localhost:3000/api/v1/admin/accounts',
      'https://localhost/hook',
      'https://LOCALHOST./hook',
      'https://api.localhost/hook',
      'https://10.0.0.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://0x7f.1/hook',
      'https://2130706433/hook',
      'https://0177.0.0.1/hook',
      'https://[::1]/hook',
      'https://[::7f00:1]/hook',
      'https://[::127.0.0.1]/hook',
      'https://[::ffff:0:7f00:1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:7f00:1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook',
      'https://[64:ff9b::7f00:1]/hook',
      'https://[64:ff9b::169.254.169.254]/hook',
      'https://[2002:a00:1::]/hook',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
      'https://metadata/computeMetadata/v1/',
      'https://metadata.google.internal/computeMetadata/v1/',
    ]) {
      expect(() => checkedWebhookUrl(url), url).toThrow(/refused/);
    }
    expect(() => checkedWebhookUrl('http://hooks.example.com/sms')).toThrow();
    expect(checkedWebhookUrl('https://hooks.example.com/sms')).toBe('https://hooks.example.com/sms');
    expect(checkedWebhookUrl('https://8.8.8.8/sms')).toBe('https://8.8.8.8/sms');
    expect(checkedWebhookUrl('https://[64:ff9b::808:808]/sms')).toBe('https://[64:ff9b::808:808]/sms');
  });

  it('allows local addresses, and http to this machine, only when the operator allows them', () => {
    expect(checkedWebhookUrl('http://127.0.0.1:9000/hook', 'allow')).toBe('http://127.0.0.1:9000/hook');
    expect(checkedWebhookUrl('http://localhost:9000/hook', 'allow')).toBe('http://localhost:9000/hook');
    expect(checkedWebhookUrl('https://10.0.0.1/hook', 'allow')).toBe('https://10.0.0.1/hook');
    expect(() => checkedWebhookUrl('http://10.0.0.1/hook', 'allow')).toThrow();
    expect(() => checkedWebhookUrl('http://example.com/hook', 'allow')).toThrow();
  });
});

describe('WEBHOOK_PRIVATE_ADDRESSES', () => {
  it('refuses private addresses by default in every mode, and accepts only allow or refuse', () => {
    expect(loadConfig({}).campaigns.webhookPrivateAddresses).toBe('refuse');
    expect(loadConfig({ NODE_ENV: 'development' }).campaigns.webhookPrivateAddresses).toBe('refuse');
    expect(loadConfig({ NODE_ENV: 'production' }).campaigns.webhookPrivateAddresses).toBe('refuse');
    expect(loadConfig({ WEBHOOK_PRIVATE_ADDRESSES: 'allow' }).campaigns.webhookPrivateAddresses).toBe(
      'allow',
    );
    expect(() => loadConfig({ WEBHOOK_PRIVATE_ADDRESSES: 'maybe' })).toThrow(ConfigError);
  });
});
