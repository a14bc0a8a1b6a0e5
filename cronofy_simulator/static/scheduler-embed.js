// Cronofy Simulator: a stand-in for the `cronofy-scheduler-embed` package.
//
// Defines <cronofy-scheduler-button> with the attributes of contract §1.3:
//   embed-token, correlation-id, recipient-email, recipient-name, event-summary,
//   event-duration-minutes
// Clicking it opens a small dialog (plain DOM, light DOM so browser tests can reach it) where the
// recruiter checks the summary/duration, picks a host and clicks "Create link". The simulator
// creates the scheduling request and the element dispatches `cronofyschedulerrequestcreated`
// (bubbles, composed) with detail = {scheduling_request: {...}}.
//
// Stable hooks for tests: .cronofy-sim-open, .cronofy-sim-dialog, .cronofy-sim-summary,
// .cronofy-sim-duration, .cronofy-sim-host, .cronofy-sim-create, .cronofy-sim-cancel,
// .cronofy-sim-error, .cronofy-sim-signup, .cronofy-sim-status, .cronofy-sim-link.
// User-supplied text is only ever set through textContent/value, never as HTML.

const SIMULATOR_ORIGIN = new URL(import.meta.url).origin;
const STYLE_ID = "cronofy-sim-embed-style";
const STYLE = `
cronofy-scheduler-button{display:inline-block;font-family:system-ui,sans-serif}
.cronofy-sim-open,.cronofy-sim-create,.cronofy-sim-cancel{border:0;border-radius:6px;
 padding:.45rem .9rem;cursor:pointer;font-size:.95rem}
.cronofy-sim-open,.cronofy-sim-create{background:#2057c8;color:#fff}
.cronofy-sim-cancel{background:#e4e7eb;color:#1f2933}
.cronofy-sim-backdrop{position:fixed;inset:0;background:rgba(15,23,42,.45);z-index:100000;
 display:flex;align-items:center;justify-content:center}
.cronofy-sim-dialog{background:#fff;color:#1f2933;border-radius:8px;padding:1.2rem 1.4rem;
 width:min(420px,92vw);box-shadow:0 10px 30px rgba(0,0,0,.25)}
.cronofy-sim-dialog h2{font-size:1.15rem;margin:0 0 .8rem}
.cronofy-sim-dialog label{display:block;font-size:.85rem;margin:.6rem 0 .2rem;color:#52606d}
.cronofy-sim-dialog input,.cronofy-sim-dialog select{width:100%;box-sizing:border-box;
 padding:.4rem;border:1px solid #cbd2d9;border-radius:4px}
.cronofy-sim-actions{display:flex;gap:.5rem;justify-content:flex-end;margin-top:1rem}
.cronofy-sim-error{color:#b42318;font-size:.9rem;margin-top:.6rem}
.cronofy-sim-status{font-size:.85rem;color:#52606d;margin-left:.5rem}
.cronofy-sim-note{font-size:.75rem;color:#9aa5b1;margin-top:.8rem}
`;

function ensureStyle() {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = STYLE;
  document.head.appendChild(style);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function callSimulator(path, token, options = {}) {
  const response = await fetch(SIMULATOR_ORIGIN + path, {
    ...options,
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      ...(options.headers || {}),
    },
  });
  let body = null;
  try {
    body = await response.json();
  } catch (_error) {
    body = null;
  }
  return { ok: response.ok, status: response.status, body };
}

function describeError(result) {
  const body = result.body || {};
  if (body.message) return body.message;
  if (body.errors) {
    return Object.entries(body.errors)
      .map(([field, problems]) => `${field}: ${problems.map((p) => p.description).join(", ")}`)
      .join("; ");
  }
  return `The scheduler answered ${result.status}.`;
}

class CronofySchedulerButton extends HTMLElement {
  connectedCallback() {
    if (this._rendered) return;
    this._rendered = true;
    ensureStyle();
    const open = el("button", "cronofy-sim-open", this.getAttribute("button-label") || "Schedule");
    open.type = "button";
    open.addEventListener("click", () => this.openDialog());
    this._status = el("span", "cronofy-sim-status");
    this.append(open, this._status);
  }

  disconnectedCallback() {
    this.closeDialog();
  }

  closeDialog() {
    if (this._backdrop) {
      this._backdrop.remove();
      this._backdrop = null;
    }
  }

  async openDialog() {
    this.closeDialog();
    const token = this.getAttribute("embed-token") || "";
    const backdrop = el("div", "cronofy-sim-backdrop");
    const dialog = el("div", "cronofy-sim-dialog");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.append(el("h2", "", "Create a scheduling link"));
    const error = el("div", "cronofy-sim-error");
    backdrop.append(dialog);
    this._backdrop = backdrop;
    this.append(backdrop);

    const cancel = el("button", "cronofy-sim-cancel", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", () => this.closeDialog());

    const context = await callSimulator("/embed/v1/context", token);
    if (!context.ok) {
      error.textContent = describeError(context);
      dialog.append(error, this._actions(cancel));
      return;
    }
    if (!context.body.organizational_unit) {
      error.textContent = "This workspace is not connected to a Cronofy organization yet.";
      const signUp = el("a", "cronofy-sim-signup", "Sign up to Cronofy");
      signUp.href = context.body.sign_up_url;
      signUp.target = "_blank";
      signUp.rel = "noopener";
      dialog.append(error, signUp, this._actions(cancel));
      return;
    }

    const recipientEmail = this.getAttribute("recipient-email") || "";
    const recipientName = this.getAttribute("recipient-name") || "";
    const recipient = el("div", "cronofy-sim-recipient");
    recipient.textContent = recipientName ? `${recipientName} <${recipientEmail}>` : recipientEmail;

    const summary = el("input", "cronofy-sim-summary");
    summary.value = this.getAttribute("event-summary") || "";
    const duration = el("input", "cronofy-sim-duration");
    duration.type = "number";
    duration.min = "5";
    duration.step = "5";
    duration.value = this.getAttribute("event-duration-minutes") || "30";
    const host = el("select", "cronofy-sim-host");
    for (const candidate of context.body.hosts) {
      const option = el("option", "", `${candidate.name} (${candidate.tzid})`);
      option.value = candidate.sub;
      host.append(option);
    }

    const create = el("button", "cronofy-sim-create", "Create link");
    create.type = "button";
    create.addEventListener("click", async () => {
      create.disabled = true;
      error.textContent = "";
      const result = await callSimulator("/embed/v1/scheduling_requests", token, {
        method: "POST",
        body: JSON.stringify({
          correlation_id: this.getAttribute("correlation-id") || null,
          recipient: { email: recipientEmail, display_name: recipientName || null },
          event: {
            summary: summary.value,
            duration: { minutes: parseInt(duration.value, 10) },
          },
          host_sub: host.value,
        }),
      });
      create.disabled = false;
      if (!result.ok) {
        error.textContent = describeError(result);
        return;
      }
      this.closeDialog();
      const link = el("a", "cronofy-sim-link", "Link created");
      link.href = result.body.scheduling_request.primary_select_url;
      link.target = "_blank";
      link.rel = "noopener";
      this._status.replaceChildren(link);
      this.dispatchEvent(
        new CustomEvent("cronofyschedulerrequestcreated", {
          bubbles: true,
          composed: true,
          detail: { scheduling_request: result.body.scheduling_request },
        }),
      );
    });

    dialog.append(
      el("label", "", "Recipient"),
      recipient,
      el("label", "", "Event summary"),
      summary,
      el("label", "", "Duration (minutes)"),
      duration,
      el("label", "", "Host"),
      host,
      error,
      this._actions(cancel, create),
      el("div", "cronofy-sim-note", `Organization: ${context.body.organizational_unit.name}`),
    );
    summary.focus();
  }

  _actions(...buttons) {
    const actions = el("div", "cronofy-sim-actions");
    actions.append(...buttons);
    return actions;
  }
}

if (!customElements.get("cronofy-scheduler-button")) {
  customElements.define("cronofy-scheduler-button", CronofySchedulerButton);
}

export { CronofySchedulerButton };
