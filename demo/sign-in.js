// The demo's sign-in box when its server has users (sse-mock-server --user):
// who is signed in, or a form that signs in with a token. POST /session sets
// an HttpOnly session cookie that every later request of the page sends by
// itself, the EventSource included. On a server without users: nothing.
// Plain JS beside the app (not in its wasm): it weighs a few hundred bytes.
const server = new URLSearchParams(location.search).get("server") || "";
const url = `${server}/session`;

async function show() {
  let session;
  try {
    session = await (await fetch(url)).json();
  } catch {
    return;
  }
  document.getElementById("session-box")?.remove();
  if (!session.users) return;
  const box = document.createElement(session.user ? "p" : "form");
  box.id = "session-box";
  box.className = "sign-in";
  if (session.user) {
    box.dataset.testid = "signed-in";
    const name = document.createElement("strong");
    name.textContent = session.user;
    const out = document.createElement("button");
    Object.assign(out, { type: "button", className: "demo-button", textContent: "Sign out" });
    out.onclick = async () => {
      await fetch(url, { method: "DELETE" });
      show();
    };
    box.append("Signed in as ", name, " ", out);
  } else {
    box.dataset.testid = "sign-in";
    box.innerHTML =
      '<label>This server has users: your token <input type="password" ' +
      'autocomplete="current-password" data-testid="sign-in-token"></label> ' +
      '<button type="submit" class="demo-button">Sign in</button> <span role="status"></span>';
    box.onsubmit = async (event) => {
      event.preventDefault();
      const token = box.querySelector("input").value;
      const answer = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token }),
      });
      if (answer.ok) show();
      else box.querySelector("[role=status]").textContent = "No user has this token.";
    };
  }
  const header = document.querySelector("main.demo .demo-header");
  if (header) header.after(box);
  else document.body.prepend(box);
}

// Once the app has drawn its page (it may have already).
if (document.querySelector("main.demo")) show();
else addEventListener("TrunkApplicationStarted", show);
