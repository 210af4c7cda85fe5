import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertEndpointHost, normalizeEndpoint, PageGuard, parseWorkspaceId, scopeFor } from '../../../src/azure/client';
import { ForeignHostError } from '../../../src/azure/errors';
import { isGpuVmSize } from '../../../src/azure/types';

describe('Azure endpoint, scope and id helpers (unit)', () => {
  it('normalizes the resource-manager endpoint and derives the token scope from it (sovereign clouds)', () => {
    assert.equal(normalizeEndpoint(''), 'https://management.azure.com');
    assert.equal(normalizeEndpoint('https://management.chinacloudapi.cn/'), 'https://management.chinacloudapi.cn');
    assert.equal(scopeFor('https://management.usgovcloudapi.net'), 'https://management.usgovcloudapi.net/.default');
    assert.equal(scopeFor('https://127.0.0.1:8443/'), 'https://127.0.0.1:8443/.default');
  });

  it('refuses endpoints that are not https URLs, with a message naming the value', () => {
    assert.throws(() => normalizeEndpoint('http://management.azure.com'), /must use https.*http:\/\/management\.azure\.com/);
    assert.throws(() => normalizeEndpoint('management.azure.com'), /is not a URL/);
  });

  it('allows requests to the configured endpoint\'s host only (https, same host and port)', () => {
    const ep = 'https://management.azure.com';
    assertEndpointHost('https://management.azure.com/subscriptions?api-version=1&$skiptoken=2', ep);
    assertEndpointHost('https://MANAGEMENT.azure.com:443/x', ep);
    for (const url of ['https://evil.example/subscriptions', 'http://management.azure.com/x', 'https://management.azure.com.evil.example/x', 'https://management.azure.com:8443/x', 'https://user@evil.example/x', 'not a url']) {
      assert.throws(() => assertEndpointHost(url, ep), ForeignHostError, url);
    }
    assert.throws(() => assertEndpointHost('https://127.0.0.1:9/x', 'https://127.0.0.1:8443'), /127\.0\.0\.1:9.*only 127\.0\.0\.1:8443/);
  });

  it('a page guard counts pages up to its limit and spots a repeated URL', () => {
    const g = new PageGuard(3);
    assert.equal(g.accept('u1'), 'ok');
    assert.equal(g.accept('u2'), 'ok');
    assert.equal(g.full, false);
    assert.equal(g.accept('u1'), 'repeated');
    assert.equal(g.accept('u3'), 'ok');
    assert.equal(g.full, true);
  });

  it('parses workspace references out of ARM resource ids', () => {
    assert.deepEqual(parseWorkspaceId('/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/ep'), {
      subscriptionId: 's1',
      resourceGroup: 'rg',
      workspace: 'ws',
    });
    assert.equal(parseWorkspaceId('/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x'), undefined);
  });

  it('tells NVIDIA GPU VM sizes apart', () => {
    for (const s of ['Standard_NC6s_v3', 'STANDARD_NC24ADS_A100_V4', 'Standard_ND96asr_v4', 'Standard_NV12s_v3']) assert.equal(isGpuVmSize(s), true, s);
    for (const s of ['Standard_DS3_v2', 'Standard_F4s_v2', 'Standard_NV8as_v4', undefined, '']) assert.equal(isGpuVmSize(s), false, String(s));
  });
});
