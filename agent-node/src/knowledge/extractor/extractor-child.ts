import { extractDocument, type ExtractRequest, type ExtractResult } from './extract';

/**
 * The extractor child process (forked by extractor.ts; a second entry point of the node bundle).
 * It parses untrusted documents with the heavy libraries, which are loaded only here, so a
 * hostile or huge file costs this process (capped heap, RSS watched, killed on timeout) and
 * never the node.
 */
interface Envelope {
  readonly id: number;
  readonly request: ExtractRequest;
}

process.on('message', (message: Envelope) => {
  void extractDocument(message.request)
    .catch((): ExtractResult => ({ ok: false, reason: 'the document could not be read' }))
    .then((result) => process.send?.({ id: message.id, result }));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
