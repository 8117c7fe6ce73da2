// What the page keeps in this browser (localStorage), and the code in a share link.
// A link carries the code compressed in its fragment (#code=...), which the browser
// never sends to a server.

const PREFIX = "chainrule.playground.";

export function load(key) {
  try { return localStorage.getItem(PREFIX + key); } catch { return null; } // storage may be off
}

export function save(key, value) {
  try {
    if (value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
    return true;
  } catch { return false; } // full, or off: the page goes on without it
}

async function through(stream, bytes) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

function base64url(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unbase64url(text) {
  const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(plain, (c) => c.charCodeAt(0));
}

/** The fragment that carries `code`: "code=" and the code, deflated, in base64url. */
export async function encode(code) {
  const bytes = await through(new CompressionStream("deflate-raw"), new TextEncoder().encode(code));
  return "code=" + base64url(bytes);
}

/** The code in a fragment made by `encode`; null when it has none; throws when it is damaged. */
export async function decode(fragment) {
  const match = /(?:^#?|&)code=([A-Za-z0-9_-]*)/.exec(fragment);
  if (!match) return null;
  const bytes = await through(new DecompressionStream("deflate-raw"), unbase64url(match[1]));
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
