// Express 4, installed under an alias so the tests can mount the gateway in it beside Express 5.
declare module 'express4' {
  import type { RequestHandler } from 'express';
  import type { Server } from 'node:http';
  interface Express4App {
    use(path: string, handler: RequestHandler): Express4App;
    listen(port: number, host: string, callback: () => void): Server;
  }
  const express4: () => Express4App;
  export default express4;
}
