// The page as text for a text-only web agent: a walk over the rendered DOM in document
// order that numbers each visible interactive element ([n] role "name") and keeps the
// visible text between them. Numbers are written to `data-wv-id`, so an action can find
// its element again. Run with page.evaluate(SOURCE, {maxChars, fromViewport}).
//
// fromViewport: skip what lies wholly above the viewport, so `scroll` moves the window of
// text the agent sees; false: the whole page (the judge's view of the final page).
({ maxChars, fromViewport }) => {
  const INTERACTIVE = [
    "a[href]", "button", "input:not([type=hidden])", "select", "textarea", "summary",
    "[role=button]", "[role=link]", "[role=checkbox]", "[role=radio]", "[role=tab]",
    "[role=menuitem]", "[role=option]", "[role=combobox]", "[role=textbox]",
    "[role=searchbox]", "[role=switch]", "[contenteditable=''], [contenteditable=true]",
    "[onclick]",
  ].join(", ");
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG", "HEAD", "META", "LINK"]);
  const INPUT_ROLES = {
    checkbox: "checkbox", radio: "radio", submit: "button", button: "button", reset: "button",
    image: "button", search: "searchbox", range: "slider", number: "spinbutton",
  };

  for (const el of document.querySelectorAll("[data-wv-id]")) el.removeAttribute("data-wv-id");
  // New tabs would leave the agent on a page it cannot see: open links in place.
  for (const a of document.querySelectorAll("a[target]")) a.setAttribute("target", "_self");

  const clean = (s, n = 100) => {
    const t = (s || "").replace(/\s+/g, " ").trim();
    return t.length > n ? t.slice(0, n - 1) + "…" : t;
  };
  const labelOf = (el) => {
    const aria = el.getAttribute("aria-label");
    if (aria) return aria;
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const t = by.split(/\s+/).map((id) => document.getElementById(id)?.innerText || "").join(" ");
      if (t.trim()) return t;
    }
    if (el.labels && el.labels.length) return el.labels[0].innerText;
    const tag = el.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") {
      return el.placeholder || el.title || el.name || (["submit", "button"].includes(el.type) ? el.value : "");
    }
    const text = el.innerText;
    if (text && text.trim()) return text;
    const img = el.querySelector("img[alt]");
    return (img && img.alt) || el.title || el.getAttribute("href") || "";
  };
  const roleOf = (el) => {
    const role = el.getAttribute("role");
    if (role) return role;
    const tag = el.tagName;
    if (tag === "A") return "link";
    if (tag === "BUTTON" || tag === "SUMMARY") return "button";
    if (tag === "SELECT") return "combobox";
    if (tag === "TEXTAREA") return "textbox";
    if (tag === "INPUT") return INPUT_ROLES[el.type] || "textbox";
    if (el.isContentEditable) return "textbox";
    return "clickable";
  };
  const stateOf = (el) => {
    const tag = el.tagName;
    if (tag === "SELECT") {
      const options = [...el.options].slice(0, 12).map((o) => clean(o.text, 40));
      return ` selected="${clean(el.selectedOptions[0]?.text || "", 40)}" options=[${options.join(" | ")}]`;
    }
    if (tag === "INPUT" && (el.type === "checkbox" || el.type === "radio")) {
      return el.checked ? " checked" : " unchecked";
    }
    if ((tag === "INPUT" || tag === "TEXTAREA") && el.value && !["submit", "button"].includes(el.type)) {
      return ` value="${clean(el.value, 60)}"`;
    }
    return "";
  };
  const visible = (el) => {
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true, opacityProperty: false })) {
      return false;
    }
    if (el.getAttribute("aria-hidden") === "true") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 || r.height > 0 || el.tagName === "DETAILS";
  };
  const hasInteractiveChild = (el) => el.querySelector(INTERACTIVE) !== null;

  const lines = [];
  let line = "";
  let used = 0;
  let full = false;
  let n = 0;
  const push = (text) => {
    if (full || !text) return;
    if (used + text.length + 1 > maxChars) {
      // Keep what fits of a long line (a big paragraph should not hide the rest of it).
      const room = maxChars - used - 2;
      if (room > 80) lines.push(text.slice(0, room) + "…");
      full = true;
      return;
    }
    lines.push(text);
    used += text.length + 1;
  };
  const flush = () => {
    const t = clean(line, 2000);
    line = "";
    push(t);
  };
  const aboveViewport = (el) => {
    if (!fromViewport) return false;
    const r = el.getBoundingClientRect();
    return r.bottom < 0 && getComputedStyle(el).position !== "fixed";
  };

  const walk = (node) => {
    if (full) return;
    if (node.nodeType === Node.TEXT_NODE) {
      line += " " + node.textContent;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE || SKIP.has(node.tagName.toUpperCase())) return;
    const el = node;
    if (!visible(el) || aboveViewport(el)) return;
    const interactive = el.matches(INTERACTIVE) &&
      !((el.matches("[onclick]") || el.getAttribute("role")) && hasInteractiveChild(el));
    if (interactive) {
      // Inline, where it stands: a link in a sentence or a table row keeps its context.
      n += 1;
      el.setAttribute("data-wv-id", String(n));
      line += ` [${n}] ${roleOf(el)} "${clean(labelOf(el))}"${stateOf(el)} `;
      if (getComputedStyle(el).display.startsWith("block")) flush();
      return;
    }
    if (el.tagName === "IMG") {
      if (el.alt) line += ` [image: ${clean(el.alt, 60)}]`;
      return;
    }
    const display = getComputedStyle(el).display;
    // A table row reads as one line: "cell | cell | cell".
    const cell = display === "table-cell";
    const block = !display.startsWith("inline") && display !== "contents" && !cell;
    if (block) flush();
    if (cell && line.trim()) line += " |";
    const heading = /^H[1-6]$/.test(el.tagName);
    if (heading) line += "#".repeat(Number(el.tagName[1])) + " ";
    for (const child of el.childNodes) walk(child);
    if (block) flush();
  };
  if (document.body) walk(document.body);
  flush();

  const doc = document.scrollingElement || document.documentElement;
  return {
    text: lines.join("\n"),
    truncated: full,
    elements: n,
    scrollY: Math.round(window.scrollY),
    viewportHeight: window.innerHeight,
    pageHeight: doc ? doc.scrollHeight : 0,
  };
};
