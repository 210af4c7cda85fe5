// Entry of dist/lsp-client.js: the language client library, loaded after activation returns.
export { LanguageClient, TransportKind } from 'vscode-languageclient/node';
