// A websocket that reconnects with backoff. Each (re)connection starts with the server's
// snapshot, so a page never misses what happened while it was disconnected.

export function liveSocket(path, onMessage, { onState } = {}) {
  let delay = 500;
  let socket;
  let closed = false;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${path}`);
    socket.addEventListener("open", () => {
      delay = 500;
      onState?.("open");
    });
    socket.addEventListener("message", (event) => onMessage(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      onState?.("closed");
      if (closed) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }
  connect();
  return { close() { closed = true; socket.close(); } };
}
