// A minimal HTTP/1.1 client for the load generator: keep-alive sockets (TCP_NODELAY), one request
// at a time on each, a queue when all are busy, the request's bytes built once but for one
// header. A general client (undici) cost the generator ~200 µs of CPU per press, as much as a hop
// of the system it measures, on the same two cores; this one reads only what the generator needs:
// the status line, content-length or chunked framing, the body.
import { connect, type Socket } from "node:net";

export interface HttpAnswer {
  status: number;
  body: string;
}

interface Pending {
  head: Buffer;
  resolve: (answer: HttpAnswer) => void;
  reject: (error: unknown) => void;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/** Connections to `origin` (http only) for POSTs of `body` to `path` with fixed `headers`. */
export function createHttpConnections({
  origin,
  path,
  headers,
  body,
  connections,
}: {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
}) {
  const { hostname, port } = new URL(origin);
  const bodyBytes = Buffer.from(body);
  const fixedHead = `POST ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}content-length: ${bodyBytes.length}\r\n`;
  const idle: Connection[] = [];
  const waiting: Pending[] = [];
  const all: Connection[] = [];
  let open = 0;

  class Connection {
    private readonly socket: Socket;
    private buffer: Buffer = Buffer.alloc(0);
    private current: Pending | null = null;
    constructor() {
      this.socket = connect({ host: hostname, port: Number(port), noDelay: true });
      this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
      this.socket.on("error", (error) => this.fail(error));
      this.socket.on("close", () => this.fail(new Error("connection closed")));
    }
    send(pending: Pending): void {
      this.current = pending;
      this.socket.write(Buffer.concat([pending.head, bodyBytes]));
    }
    close(): void {
      this.socket.end();
    }
    private fail(error: unknown): void {
      const current = this.current;
      this.current = null;
      current?.reject(error);
      const at = all.indexOf(this);
      if (at >= 0) {
        all.splice(at, 1);
        open--;
      }
      const idleAt = idle.indexOf(this);
      if (idleAt >= 0) idle.splice(idleAt, 1);
    }
    private onData(chunk: Buffer): void {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      const answer = this.parse();
      if (!answer) return;
      const current = this.current;
      this.current = null;
      current?.resolve(answer);
      const next = waiting.shift();
      if (next) this.send(next);
      else idle.push(this);
    }
    /** One whole answer off the buffer, or null while it is incomplete. */
    private parse(): HttpAnswer | null {
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) return null;
      const head = this.buffer.toString("latin1", 0, end);
      const status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      let bodyStart = end + 4;
      if (length) {
        const size = Number(length[1]);
        if (this.buffer.length < bodyStart + size) return null;
        const text = this.buffer.toString("utf8", bodyStart, bodyStart + size);
        this.buffer = this.buffer.subarray(bodyStart + size);
        return { status, body: text };
      }
      // Chunked: sizes in hex, each chunk then CRLF, a zero-size chunk last.
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = this.buffer.indexOf("\r\n", bodyStart);
        if (lineEnd < 0) return null;
        const size = Number.parseInt(this.buffer.toString("latin1", bodyStart, lineEnd), 16);
        const dataStart = lineEnd + 2;
        if (this.buffer.length < dataStart + size + 2) return null;
        if (size === 0) {
          this.buffer = this.buffer.subarray(dataStart + 2);
          return { status, body: Buffer.concat(parts).toString("utf8") };
        }
        parts.push(this.buffer.subarray(dataStart, dataStart + size));
        bodyStart = dataStart + size + 2;
      }
    }
  }

  return {
    /** POSTs the body with `extraHeader` (`name: value`) added; its answer. */
    post(extraHeader: string): Promise<HttpAnswer> {
      return new Promise((resolve, reject) => {
        const pending = {
          head: Buffer.from(`${fixedHead}${extraHeader}\r\n\r\n`),
          resolve,
          reject,
        };
        const connection = idle.pop();
        if (connection) connection.send(pending);
        else if (open < connections) {
          open++;
          const created = new Connection();
          all.push(created);
          created.send(pending);
        } else waiting.push(pending);
      });
    },
    close(): void {
      for (const connection of all) connection.close();
    },
  };
}
