// The Deployments tree's top level: Azure's "signed out" row stands next to Local Docker, but never alone,
// where it would hide the welcome view that explains why Docker is unreachable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeRoots } from '../../../src/views/treeSection';

describe('Deployments tree top level (composeRoots)', () => {
  it('shows the Azure sign-in row next to Local Docker', () => {
    assert.deepEqual(composeRoots([['Local Docker'], []], [[], ['Azure (signed out)']]), ['Local Docker', 'Azure (signed out)']);
  });
  it('stays empty when Docker is unreachable and Azure is signed out, so the welcome view shows', () => {
    assert.deepEqual(composeRoots([[], []], [[], ['Azure (signed out)']]), []);
  });
  it('signed in, Azure is a real root and no placeholder is added', () => {
    assert.deepEqual(composeRoots([[], ['Azure']], [[], []]), ['Azure']);
    assert.deepEqual(composeRoots([['Local Docker'], ['Azure']], [[], ['Azure (signed out)']]), ['Local Docker', 'Azure']);
  });
});
