// Language server entry: wires a connection (stdio or node-ipc, chosen from argv) to the service.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { ScoringLanguageService } from './service';

const connection = createConnection(ProposedFeatures.all);
new ScoringLanguageService(connection).listen();
connection.listen();
