// Language server entry: wires a connection (stdio or node-ipc, chosen from argv) to the service.
import { setFlagsFromString } from 'node:v8';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { preferBaselineWasmCompiler } from '../analysis/parser';
import { ScoringLanguageService } from './service';
import { warmUpAnalysis } from './warmUp';

preferBaselineWasmCompiler();
// Collect the old generation when it has grown 20% instead of V8's default 1.1x-4x: every keystroke in a
// large file leaves its flattened text (one large object per version) for the next full GC, and with the
// default factor 60 quick edits to a 5,000-line file lifted peak RSS by ~20 MB. Read by V8 at each GC, so
// setting it here works; an engine without the flag ignores it. See also SERVER_NODE_ARGS.
setFlagsFromString('--heap-growing-percent=20');
// Compile the grammar and warm the analysis while the client is still starting; `initialize` waits for it.
const ready = warmUpAnalysis();
const connection = createConnection(ProposedFeatures.all);
const service = new ScoringLanguageService(connection, { ready });
service.listen();
connection.onExit(() => service.dispose());
connection.listen();
