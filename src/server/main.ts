// Language server entry: wires a connection (stdio or node-ipc, chosen from argv) to the service.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { getPythonParser } from '../analysis/parser';
import { ScoringLanguageService } from './service';

// Start compiling the grammar while the client is still initializing: the first didOpen then finds it ready.
getPythonParser().catch(() => undefined /* reported on first use */);
const connection = createConnection(ProposedFeatures.all);
new ScoringLanguageService(connection).listen();
connection.listen();
