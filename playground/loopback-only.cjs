// Preloaded into the Agents Playground's Node process by scripts/start-playground.sh
// (NODE_OPTIONS=--require). The playground calls `server.listen(port)` without a host, which
// listens on every interface and would offer its unauthenticated mock connector and web UI to
// the whole network. This makes every TCP server of the process listen on 127.0.0.1 only.
// Outbound connections are not affected (the other safety switches and, for tests, the network
// namespace take care of those).
"use strict";

const net = require("node:net");

const LOOPBACK = "127.0.0.1";
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (args.length === 0 || typeof first === "function") {
    // listen() or listen(callback): a random port.
    args.unshift(0, LOOPBACK);
  } else if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] === "string") {
      args[1] = LOOPBACK;
    } else {
      args.splice(1, 0, LOOPBACK);
    }
  } else if (first && typeof first === "object" && !Array.isArray(first) && "port" in first) {
    // listen({port, host, ...}[, callback])
    args[0] = { ...first, host: LOOPBACK };
  }
  // Anything else (a Unix socket path, a handle) is left alone.
  return originalListen.apply(this, args);
};
