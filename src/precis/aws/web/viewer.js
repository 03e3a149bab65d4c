// Précis viewer: every value from the API is untrusted and goes into the page as text, never as HTML.
"use strict";

const TYPE_NAMES = { PER: "person", LOC: "place", ORG: "organisation", MISC: "other" };
const PAGE_SIZE = 20;
const READY_MARK = "precis-ready";

function $(id) {
  return document.getElementById(id);
}

// An element with attributes and children; strings become text nodes, so no value is ever parsed as HTML.
function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// Links are always built from our own paths with the value percent-encoded, so `javascript:` stays text.
function articleHref(key) {
  return "/articles/" + encodeURIComponent(key);
}

function entityHref(name, type) {
  return "/entities/" + encodeURIComponent(name) + (type ? "?type=" + encodeURIComponent(type) : "");
}

async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const url = "/api/" + path + (query.size ? "?" + query : "");
  const response = await fetch(url, { headers: { accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error || `the API answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function say(message) {
  $("message").textContent = message;
}

// The value after a page's prefix, e.g. the object key of /articles/<key>.
function pathValue(prefix) {
  return decodeURIComponent(location.pathname.slice(prefix.length));
}

function plural(count, word, words = word + "s") {
  return `${count} ${count === 1 ? word : words}`;
}

function when(timestamp) {
  return (timestamp || "").slice(0, 16).replace("T", " ");
}

function articleRow(item) {
  const details = [when(item.uploaded_at), item.language];
  if (item.status === "failed") details.push("failed: " + (item.error || "no reason recorded"));
  else if (item.entities !== undefined) details.push(plural(item.entities, "entity", "entities"));
  if (item.form && item.count) details.push(`named ${plural(item.count, "time")} as “${item.form}”`);
  return el("li", { class: "article-row status-" + item.status }, [
    el("a", { href: articleHref(item.key) }, [item.title || item.key]),
    el("span", { class: "meta" }, [details.filter(Boolean).join(" · ")]),
  ]);
}

// Horizontal bars: the label links to the entity page, the count is text, the bar itself is decoration.
function barChart(list, rows) {
  const most = Math.max(1, ...rows.map((row) => row.articles));
  const items = rows.map((row) => {
    const bar = el("span", { class: "bar ent-" + row.type });
    bar.style.width = `${(100 * row.articles) / most}%`;
    return el("li", { class: "bar-row" }, [
      el("a", { class: "bar-label", href: entityHref(row.name, row.type) }, [row.name]),
      el("span", { class: "bar-track", "aria-hidden": "true" }, [bar]),
      el("span", { class: "bar-value" }, [plural(row.articles, "article")]),
    ]);
  });
  list.replaceChildren(...(items.length ? items : [el("li", { class: "empty" }, ["Nothing yet."])]));
}

// A list of items fetched page by page with the API's cursor, behind a "More" button.
function pagedList(list, more, fetchPage, render, empty) {
  let cursor = null;
  async function next() {
    more.disabled = true;
    try {
      const body = await fetchPage(cursor);
      list.append(...body.items.map(render));
      cursor = body.cursor;
      more.hidden = !cursor;
      say(list.children.length ? `${plural(list.children.length, "article")} shown.` : empty);
    } catch (error) {
      say(error.status === 404 ? empty : error.message);
      more.hidden = true;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", next);
  return next();
}

async function homePage() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const name of ["q", "status", "language"]) {
    filters[name] = params.get(name) || "";
    $(name).value = filters[name];
  }
  const top = api("entities", { days: 7, limit: 10 })
    .then((body) => barChart($("top-chart"), body.items))
    .catch((error) => $("top-chart").replaceChildren(el("li", { class: "empty" }, [error.message])));
  const articles = pagedList(
    $("articles"),
    $("more"),
    (cursor) => api("articles", { ...filters, limit: PAGE_SIZE, cursor }),
    articleRow,
    "No article matches.",
  );
  await Promise.all([top, articles]);
}

function tipFor(entity) {
  const others = entity.aliases.filter((alias) => alias !== entity.text);
  const kind = TYPE_NAMES[entity.type] || entity.type;
  return `${entity.text} (${kind})` + (others.length ? `, also: ${others.join(", ")}` : "");
}

// Spans of [start, end) in code points, sorted, without overlaps (a later overlapping span is dropped).
function disjoint(spans) {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const kept = [];
  for (const span of sorted) if (!kept.length || span.start >= kept[kept.length - 1].end) kept.push(span);
  return kept;
}

// The article text as text nodes, each entity mention a link coloured by type, summary sentences marked.
function highlightedText(text, doc) {
  const chars = Array.from(text); // the API's offsets count code points, as Python does
  const mentions = disjoint(
    doc.entities.flatMap((entity) => entity.mentions.map(([start, end]) => ({ start, end, entity }))),
  );
  const sentences = disjoint(doc.summary);
  const cuts = new Set([0, chars.length]);
  for (const span of [...mentions, ...sentences]) {
    cuts.add(Math.min(span.start, chars.length));
    cuts.add(Math.min(span.end, chars.length));
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  const nodes = [];
  let m = 0;
  let s = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [start, end] = [bounds[i], bounds[i + 1]];
    while (m < mentions.length && mentions[m].end <= start) m++;
    while (s < sentences.length && sentences[s].end <= start) s++;
    const piece = chars.slice(start, end).join("");
    const mention = m < mentions.length && mentions[m].start <= start ? mentions[m].entity : null;
    const summary = s < sentences.length && sentences[s].start <= start;
    if (mention) {
      const tip = tipFor(mention);
      const link = el("a", {
        class: `ent ent-${mention.type}` + (summary ? " in-summary" : ""),
        href: entityHref(mention.text, mention.type),
        title: tip,
        "data-tip": tip,
        "data-entity": mention.id,
      }, [piece]);
      nodes.push(link);
    } else if (summary) {
      nodes.push(el("span", { class: "in-summary" }, [piece]));
    } else {
      nodes.push(piece);
    }
  }
  return nodes;
}

function chips(list, values, render) {
  list.replaceChildren(...values.map((value) => el("li", {}, [render(value)])));
  if (!values.length) list.append(el("li", { class: "empty" }, ["none"]));
}

function details(list, pairs) {
  for (const [name, value] of pairs) {
    if (value === undefined || value === null || value === "") continue;
    list.append(el("dt", {}, [name]), el("dd", {}, [String(value)]));
  }
}

function legend(list) {
  for (const [type, name] of Object.entries(TYPE_NAMES)) {
    list.append(el("li", {}, [el("span", { class: `ent ent-${type} swatch` }, [type]), " " + name]));
  }
  list.append(el("li", {}, [el("span", { class: "in-summary swatch" }, ["summary"]), " sentence in the summary"]));
}

function showDocument(item, doc, text) {
  legend($("legend"));
  if (text === null || text === undefined) {
    $("text").append(el("p", { class: "empty" }, ["The article's text could not be read back from the bucket."]));
  } else {
    $("text").append(...highlightedText(text, doc));
    $("text").setAttribute("lang", doc.language.code);
  }
  chips($("who"), doc.who, (name) => el("a", { href: entityHref(name, "PER") }, [name]));
  chips($("where"), doc.where, (name) => el("a", { href: entityHref(name, "LOC") }, [name]));
  chips($("when"), doc.when, (time) => `${time.text} (${time.kind})`);
  chips($("keywords"), doc.keywords, (word) => word);
  chips($("entities"), doc.entities, (entity) =>
    el("a", { class: `ent ent-${entity.type}`, href: entityHref(entity.text, entity.type), title: tipFor(entity) }, [
      `${entity.text} ×${entity.count}`,
    ]),
  );
  $("summary").replaceChildren(...doc.summary.map((sentence) => el("li", {}, [sentence.text])));
  $("quotes").replaceChildren(
    ...doc.quotes.map((quote) =>
      el("li", {}, [
        el("q", {}, [quote.text]),
        " — ",
        quote.speaker ? el("a", { href: entityHref(quote.speaker, "PER") }, [quote.speaker]) : "unattributed",
      ]),
    ),
  );
  if (!doc.quotes.length) $("quotes").append(el("li", { class: "empty" }, ["none"]));
  const stats = doc.stats;
  details($("details"), [
    ["Language", `${doc.language.code} (confidence ${doc.language.confidence.toFixed(2)})`],
    ["Model", doc.model ? `${doc.model.name} ${doc.model.version}` : null],
    ["Entities", doc.entities_status === "ok" ? null : doc.entities_reason],
    ["Size", `${stats.words} words, ${stats.sentences} sentences, ${stats.characters} characters`],
    ["Reading time", `${Math.max(1, Math.round(stats.reading_time_seconds / 60))} min`],
    ["Source", `${doc.source_format}, ${doc.encoding}`],
    ["Object", item.key],
    ["Uploaded", when(item.uploaded_at)],
    ["Processed", `${when(item.processed_at)} in ${item.processing_ms ?? "?"} ms, pipeline ${item.pipeline_version}`],
  ]);
}

async function articlePage() {
  const key = pathValue("/articles/");
  let body;
  try {
    body = await api("articles/" + encodeURIComponent(key));
  } catch (error) {
    say(error.message);
    return;
  }
  const { item, document: doc, text } = body;
  const title = (doc && doc.title) || item.title || item.key;
  document.title = `${title} · Précis`;
  $("title").textContent = title;
  $("meta").textContent = [item.key, when(item.uploaded_at), item.status].join(" · ");
  $("article").hidden = false;
  say("");
  if (item.status === "failed" || !doc) {
    $("failure").hidden = false;
    $("failure").textContent = "Précis could not summarise this article: " + (item.error || "no reason recorded");
    $("body").hidden = true;
    return;
  }
  showDocument(item, doc, text);
}

function quoteRow(quote) {
  return el("li", {}, [
    el("q", {}, [quote.text]),
    " — ",
    el("a", { href: articleHref(quote.key) }, [quote.title || quote.key]),
    el("span", { class: "meta" }, [" " + when(quote.uploaded_at)]),
  ]);
}

async function entityPage() {
  const name = pathValue("/entities/");
  const type = new URLSearchParams(location.search).get("type") || "";
  const path = "entities/" + encodeURIComponent(name);
  document.title = `${name} · Précis`;
  $("name").textContent = name;
  let shownType = type;
  await pagedList(
    $("articles"),
    $("more"),
    async (cursor) => {
      const body = await api(path + "/articles", { type, limit: PAGE_SIZE, cursor });
      if (body.items.length && !cursor) {
        $("name").textContent = body.items[0].name;
        shownType = shownType || body.items[0].type;
        $("kind").textContent = TYPE_NAMES[shownType] || shownType;
      }
      return body;
    },
    articleRow,
    `No article names “${name}”.`,
  );
  const together = api(path + "/cooccurring", { type, limit: 10 })
    .then((body) => barChart($("cooccurring"), body.items))
    .catch((error) => $("cooccurring").replaceChildren(el("li", { class: "empty" }, [error.message])));
  let quotes = null;
  if (shownType === "PER") {
    $("quotes-section").hidden = false;
    quotes = api(path + "/quotes", { limit: PAGE_SIZE })
      .then((body) => {
        $("quotes").replaceChildren(...body.items.map(quoteRow));
        if (!body.items.length) $("quotes").append(el("li", { class: "empty" }, ["No quote attributed."]));
      })
      .catch((error) => $("quotes").replaceChildren(el("li", { class: "empty" }, [error.message])));
  }
  await Promise.all([together, quotes]);
}

const PAGES = { home: homePage, article: articlePage, entity: entityPage };
// Once per page, whatever fires: a second run would append every list twice.
let started = false;
function start() {
  if (started) return;
  started = true;
  PAGES[document.body.dataset.page]().finally(() => {
    performance.mark(READY_MARK); // the benchmark reads the time from navigation to the data shown
    document.body.setAttribute("data-ready", "true");
  });
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
