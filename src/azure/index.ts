// Entry of dist/azure.js: the only module that pulls in the @azure SDKs and @azure/identity. The extension
// loads it with require() on first Azure use, so activation never pays for them.
export { createAzureClient } from './sdkClient';
export { createIdentityCredential } from './identity';
