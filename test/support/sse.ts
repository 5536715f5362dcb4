import * as http from 'node:http';

export interface SseMessage {
  event: string;
  id?: string;
  data: string;
}

/** A Server-Sent Events client that collects what arrives; `close()` ends the connection. */
export function openSse(url: string, token?: string): { messages: SseMessage[]; close: () => void; failed: Promise<never> } {
  const messages: SseMessage[] = [];
  let request: http.ClientRequest | undefined;
  const failed = new Promise<never>((_, reject) => {
    request = http.get(
      url,
      { headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (response) => {
        if (response.statusCode !== 200) reject(new Error(`SSE answered ${response.statusCode}`));
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message: SseMessage = { event: 'message', data: '' };
            for (const line of block.split('\n')) {
              const [field, ...rest] = line.split(':');
              const value = rest.join(':').replace(/^ /, '');
              if (field === 'event') message.event = value;
              else if (field === 'id') message.id = value;
              else if (field === 'data') message.data += value;
            }
            messages.push(message);
          }
        });
      },
    );
    request.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
  failed.catch(() => undefined);
  return { messages, close: () => request?.destroy(), failed };
}
