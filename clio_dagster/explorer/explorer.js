/* Clio explorer: a virtualised tree, a treemap, filters, trends and deep links over inlined public data.
   Every piece of data text goes through textContent or setAttribute: titles are untrusted. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("clio-data").textContent);
  var ROW_HEIGHT = 30;
  var MAP_LIMIT = 150; // cells drawn in the treemap; the rest are summed into one "more" cell
  var SVG = "http://www.w3.org/2000/svg";
  var $ = function (id) { return document.getElementById(id); };

  var state = { date: DATA.dates[DATA.dates.length - 1], node: null, q: "", lang: "", concern: "", facet: "",
                minShare: "0.1", overlay: false };
  var day = null;            // index of the current day (see indexDay)
  var expanded = new Set();  // node ids opened by the user
  var collapsed = new Set(); // node ids closed by the user while a filter auto-opens them
  var rows = [];             // the flattened visible tree: node indices
  var rowOf = new Map();     // node id -> row number
  var activeRow = 0;

  // ---- helpers ------------------------------------------------------------------------------
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "cls") node.className = attrs[key];
      else if (attrs[key] !== null && attrs[key] !== undefined) node.setAttribute(key, attrs[key]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }
  function pct(x) { return x === null || x === undefined ? "–" : (x * 100).toFixed(x < 0.01 ? 2 : 1) + "%"; }
  function num(x) { return x === null || x === undefined ? "–" : Number(x).toLocaleString("en"); }
  function concernLevel(mean) { return mean >= 3.5 ? "high" : mean >= 2.2 ? "mid" : "low"; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // ---- indexes --------------------------------------------------------------------------------
  DATA.days.forEach(function (d) {
    d.nodes.forEach(function (n) { var text = DATA.texts[n.text]; n.title = text[0]; n.description = text[1]; });
  });
  // Per node id, its share on every date (null where absent) and whether it was emerging there.
  var series = new Map();
  DATA.days.forEach(function (d, di) {
    d.nodes.forEach(function (n) {
      var s = series.get(n.id);
      if (!s) { s = { share: new Array(DATA.days.length).fill(null), emerging: new Array(DATA.days.length).fill(false) }; series.set(n.id, s); }
      s.share[di] = n.share;
      s.emerging[di] = !!n.emerging;
    });
  });

  function indexDay(date) {
    var di = Math.max(0, DATA.dates.indexOf(date));
    var d = DATA.days[di];
    var byId = new Map(), children = new Map(), roots = [], langTotals = new Map(), facets = new Map();
    d.nodes.forEach(function (n, i) { byId.set(n.id, i); });
    d.nodes.forEach(function (n, i) {
      var parent = n.parent_id !== null && n.parent_id !== undefined && byId.has(n.parent_id) ? byId.get(n.parent_id) : -1;
      if (parent < 0) roots.push(i);
      else { if (!children.has(parent)) children.set(parent, []); children.get(parent).push(i); }
      if (n.depth === 0 || parent < 0) Object.keys(n.languages || {}).forEach(function (lang) {
        langTotals.set(lang, (langTotals.get(lang) || 0) + n.languages[lang] * n.conversation_count);
      });
      Object.keys(n.custom || {}).forEach(function (facet) {
        if (!facets.has(facet)) facets.set(facet, new Set());
        Object.keys(n.custom[facet]).forEach(function (value) { facets.get(facet).add(value); });
      });
    });
    var bySize = function (a, b) { return d.nodes[b].conversation_count - d.nodes[a].conversation_count; };
    roots.sort(bySize);
    children.forEach(function (list) { list.sort(bySize); });
    // Position among siblings, for aria-posinset/aria-setsize: only a window of rows is in the DOM.
    var position = new Int32Array(d.nodes.length), setSize = new Int32Array(d.nodes.length);
    [roots].concat(Array.from(children.values())).forEach(function (list) {
      list.forEach(function (k, pos) { position[k] = pos + 1; setSize[k] = list.length; });
    });
    var flags = new Map();
    if (d.disagreement) {
      d.disagreement.false_positive_nodes.forEach(function (it, rank) { flags.set(it.node_id, { kind: "FP", rank: rank + 1 }); });
      d.disagreement.false_negative_nodes.forEach(function (it, rank) { flags.set(it.node_id, { kind: "FN", rank: rank + 1 }); });
    }
    return { di: di, d: d, nodes: d.nodes, byId: byId, children: children, roots: roots, flags: flags,
             position: position, setSize: setSize,
             languages: Array.from(langTotals.keys()).sort(function (a, b) { return langTotals.get(b) - langTotals.get(a); }),
             facets: facets, haystack: null, match: null, keep: null, filtering: false };
  }

  // ---- filters --------------------------------------------------------------------------------
  function applyFilters() {
    var nodes = day.nodes, q = state.q.trim().toLowerCase(), minShare = parseFloat(state.minShare) || 0;
    var concern = state.concern ? parseFloat(state.concern) : null;
    var facet = state.facet ? state.facet.split(":") : null;
    var facetName = facet ? facet[0] : null, facetValue = facet ? facet.slice(1).join(":") : null;
    day.filtering = !!(q || state.lang || concern !== null || facet);
    day.match = new Uint8Array(nodes.length);
    day.keep = new Uint8Array(nodes.length); // 1: matches or has a matching descendant
    if (q && !day.haystack) day.haystack = nodes.map(function (n) { return (n.title + "\n" + n.description).toLowerCase(); });
    var count = 0;
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (q && day.haystack[i].indexOf(q) < 0) continue;
      if (state.lang && !((n.languages || {})[state.lang] >= minShare)) continue;
      if (concern !== null && !(n.concerning_mean >= concern)) continue;
      if (facet && !(n.custom && n.custom[facetName] && n.custom[facetName][facetValue] >= minShare)) continue;
      day.match[i] = 1; count++;
      // Walk up until an ancestor is already kept: each node is marked once, so this stays O(n).
      for (var j = i; j >= 0 && !day.keep[j]; j = parentIndex(j)) day.keep[j] = 1;
    }
    $("match-count").textContent = day.filtering ? "(" + num(count) + " of " + num(nodes.length) + " match)" : "(" + num(nodes.length) + ")";
  }
  function parentIndex(i) {
    var p = day.nodes[i].parent_id;
    return p !== null && p !== undefined && day.byId.has(p) ? day.byId.get(p) : -1;
  }
  function isOpen(i) {
    var id = day.nodes[i].id;
    if (day.filtering) return !collapsed.has(id) && (expanded.has(id) || hasKeptChild(i));
    return expanded.has(id);
  }
  function hasKeptChild(i) {
    var kids = day.children.get(i) || [];
    for (var k = 0; k < kids.length; k++) if (day.keep[kids[k]]) return true;
    return false;
  }
  function visible(i) { return !day.filtering || day.keep[i]; }

  // ---- tree (virtualised: only the rows in view exist in the DOM) ------------------------------
  function flatten() {
    rows = []; rowOf = new Map();
    var stack = day.roots.slice().reverse();
    while (stack.length) {
      var i = stack.pop();
      if (!visible(i)) continue;
      rowOf.set(day.nodes[i].id, rows.length);
      rows.push(i);
      if (isOpen(i)) {
        var kids = day.children.get(i) || [];
        for (var k = kids.length - 1; k >= 0; k--) stack.push(kids[k]);
      }
    }
    $("tree-spacer").style.height = rows.length * ROW_HEIGHT + "px";
    activeRow = Math.min(activeRow, Math.max(0, rows.length - 1));
    if (state.node && rowOf.has(state.node)) activeRow = rowOf.get(state.node);
  }

  var treeFrame = 0;
  function drawTree() {
    treeFrame = 0;
    var tree = $("tree"), spacer = $("tree-spacer");
    Array.prototype.slice.call(tree.querySelectorAll(".row")).forEach(function (r) { r.remove(); });
    if (!rows.length) {
      tree.removeAttribute("aria-activedescendant");
      tree.appendChild(el("div", { cls: "row empty", text: "No topic matches these filters." }));
      return;
    }
    var first = Math.max(0, Math.floor(tree.scrollTop / ROW_HEIGHT) - 4);
    var last = Math.min(rows.length, first + Math.ceil(tree.clientHeight / ROW_HEIGHT) + 8);
    var fragment = document.createDocumentFragment();
    for (var r = first; r < last; r++) fragment.appendChild(treeRow(r));
    if (activeRow < first || activeRow >= last) fragment.appendChild(treeRow(activeRow)); // keeps aria-activedescendant valid
    tree.insertBefore(fragment, spacer);
    tree.setAttribute("aria-activedescendant", "row-" + activeRow);
  }
  function scheduleTree() { if (!treeFrame) treeFrame = requestAnimationFrame(drawTree); }

  function treeRow(r) {
    var i = rows[r], n = day.nodes[i], kids = day.children.get(i) || [];
    var open = kids.length ? isOpen(i) : null;
    var row = el("div", { cls: "row" + (r === activeRow ? " active" : "") + (n.id === state.node ? " selected" : "") +
                          (day.filtering && !day.match[i] ? " context" : ""),
                          id: "row-" + r, role: "treeitem", "aria-level": n.depth + 1,
                          "aria-posinset": day.position[i], "aria-setsize": day.setSize[i],
                          "aria-selected": n.id === state.node ? "true" : "false",
                          "aria-expanded": open === null ? null : String(open), "data-row": r });
    row.style.top = r * ROW_HEIGHT + "px";
    row.style.paddingLeft = 6 + n.depth * 18 + "px";
    row.appendChild(el("span", { cls: "twisty", "aria-hidden": "true", text: open === null ? "·" : open ? "▾" : "▸" }));
    row.appendChild(el("span", { cls: "title", text: n.title }));
    if (n.emerging) row.appendChild(el("span", { cls: "badge new", text: "new", title: "Emerging topic" }));
    var flag = state.overlay && day.flags.get(n.id);
    if (flag) row.appendChild(el("span", { cls: "badge " + flag.kind.toLowerCase(), text: flag.kind + " #" + flag.rank,
      title: flag.kind === "FP" ? "Often flagged by the classifier, low concern" : "High concern, rarely flagged" }));
    row.appendChild(el("span", { cls: "pill c-" + concernLevel(n.concerning_mean), text: n.concerning_mean.toFixed(1),
                                 title: "Mean concern (1–5)" }));
    row.appendChild(sparkline(n.id, 56, 16, false));
    row.appendChild(el("span", { cls: "count", text: num(n.conversation_count) }));
    return row;
  }

  function setActive(r, select, center) {
    if (!rows.length) { drawTree(); return; }
    activeRow = Math.max(0, Math.min(rows.length - 1, r));
    var tree = $("tree"), top = activeRow * ROW_HEIGHT;
    // A revealed node (deep link, map click) is centred; arrow keys scroll no more than needed.
    if (center) tree.scrollTop = Math.max(0, top - (tree.clientHeight - ROW_HEIGHT) / 2);
    else if (top < tree.scrollTop) tree.scrollTop = top;
    else if (top + ROW_HEIGHT > tree.scrollTop + tree.clientHeight) tree.scrollTop = top + ROW_HEIGHT - tree.clientHeight;
    if (select) selectNode(day.nodes[rows[activeRow]].id, false);
    else drawTree();
  }
  function toggle(i, open) {
    var id = day.nodes[i].id;
    if (open) { expanded.add(id); collapsed.delete(id); } else { expanded.delete(id); collapsed.add(id); }
    flatten(); drawTree();
  }

  function onTreeKey(event) {
    if (!rows.length) return;
    var i = rows[activeRow], kids = day.children.get(i) || [], handled = true;
    switch (event.key) {
      case "ArrowDown": setActive(activeRow + 1, true); break;
      case "ArrowUp": setActive(activeRow - 1, true); break;
      case "Home": setActive(0, true); break;
      case "End": setActive(rows.length - 1, true); break;
      case "PageDown": setActive(activeRow + 10, true); break;
      case "PageUp": setActive(activeRow - 10, true); break;
      case "ArrowRight":
        if (kids.length && !isOpen(i)) toggle(i, true);
        else if (kids.length) setActive(activeRow + 1, true);
        break;
      case "ArrowLeft":
        if (kids.length && isOpen(i)) toggle(i, false);
        else { var p = parentIndex(i); if (p >= 0 && rowOf.has(day.nodes[p].id)) setActive(rowOf.get(day.nodes[p].id), true); }
        break;
      case "Enter": case " ": if (kids.length) toggle(i, !isOpen(i)); selectNode(day.nodes[i].id, false); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  }
  function onTreeClick(event) {
    var row = event.target.closest(".row[data-row]");
    if (!row) return;
    var r = parseInt(row.getAttribute("data-row"), 10), i = rows[r];
    activeRow = r;
    if (event.target.classList.contains("twisty") && day.children.has(i)) toggle(i, !isOpen(i));
    else if (day.nodes[i].id === state.node && day.children.has(i)) toggle(i, !isOpen(i));
    selectNode(day.nodes[i].id, false);
    $("tree").focus({ preventScroll: true });
  }

  // ---- selection ------------------------------------------------------------------------------
  function selectNode(id, reveal) {
    state.node = id && day.byId.has(id) ? id : null;
    if (state.node && reveal) {
      // Open every ancestor so the node has a row, then scroll it into view.
      for (var p = parentIndex(day.byId.get(state.node)); p >= 0; p = parentIndex(p)) {
        expanded.add(day.nodes[p].id); collapsed.delete(day.nodes[p].id);
      }
      flatten();
      if (rowOf.has(state.node)) setActive(rowOf.get(state.node), false, true);
    }
    if (state.node && rowOf.has(state.node)) activeRow = rowOf.get(state.node);
    drawTree(); drawMap(); drawDetail(); writeHash();
  }

  // ---- treemap ----------------------------------------------------------------------------------
  function mapParent() {
    if (!state.node) return -1;
    var i = day.byId.get(state.node);
    return day.children.has(i) ? i : parentIndex(i);
  }
  function squarify(items, x, y, w, h, out) {
    // Squarified layout (Bruls et al.): fill rows along the short side while aspect ratios improve.
    var total = items.reduce(function (s, it) { return s + it.value; }, 0);
    if (!items.length || total <= 0) return out;
    var scale = (w * h) / total, rest = items.slice();
    while (rest.length) {
      var side = Math.min(w, h), row = [], rowSum = 0, worst = Infinity;
      while (rest.length) {
        var v = rest[0].value * scale, s = rowSum + v, lo = Math.min(v, row.length ? row[row.length - 1].area : v);
        var hi = row.length ? row[0].area : v;
        var ratio = Math.max((side * side * hi) / (s * s), (s * s) / (side * side * lo));
        if (ratio > worst) break;
        worst = ratio; rowSum = s; row.push({ it: rest.shift(), area: v });
      }
      var thick = rowSum / side, offset = 0;
      row.forEach(function (cell) {
        var len = cell.area / thick;
        out.push(w >= h ? { it: cell.it, x: x, y: y + offset, w: thick, h: len } : { it: cell.it, x: x + offset, y: y, w: len, h: thick });
        offset += len;
      });
      if (w >= h) { x += thick; w -= thick; } else { y += thick; h -= thick; }
    }
    return out;
  }
  function drawMap() {
    var box = $("treemap"), parent = mapParent();
    clear(box);
    drawDisagreement(); // first: it takes room from the treemap, which is measured below
    var crumbs = $("crumbs"); clear(crumbs);
    var path = [];
    for (var p = parent; p >= 0; p = parentIndex(p)) path.unshift(p);
    crumbs.appendChild(el("button", { type: "button", cls: "crumb", text: "All topics", "data-node": "" }));
    path.forEach(function (k) { crumbs.appendChild(el("span", { "aria-hidden": "true", text: " › " }));
      crumbs.appendChild(el("button", { type: "button", cls: "crumb", text: day.nodes[k].title, "data-node": day.nodes[k].id })); });
    var members = (parent >= 0 ? day.children.get(parent) || [] : day.roots).filter(function (k) { return day.nodes[k].conversation_count > 0; });
    var items = members.slice(0, MAP_LIMIT).map(function (k) { return { k: k, value: day.nodes[k].conversation_count }; });
    var restValue = members.slice(MAP_LIMIT).reduce(function (s, k) { return s + day.nodes[k].conversation_count; }, 0);
    if (restValue > 0) items.push({ k: -1, value: restValue, more: members.length - MAP_LIMIT });
    var W = box.clientWidth || 600, H = box.clientHeight || 400;
    squarify(items, 0, 0, W, H, []).forEach(function (cell) {
      var style = "left:" + cell.x + "px;top:" + cell.y + "px;width:" + Math.max(0, cell.w - 2) + "px;height:" + Math.max(0, cell.h - 2) + "px";
      if (cell.it.k < 0) {
        var more = el("div", { cls: "cell more", text: num(cell.it.more) + " smaller topics" }); more.style.cssText = style;
        box.appendChild(more); return;
      }
      var n = day.nodes[cell.it.k], flag = state.overlay && day.flags.get(n.id);
      var b = el("button", { type: "button", "data-node": n.id,
        cls: "cell c-" + concernLevel(n.concerning_mean) + (n.emerging ? " emerging" : "") + (n.id === state.node ? " selected" : "") +
             (day.filtering && !day.keep[cell.it.k] ? " dim" : "") + (flag ? " flag-" + flag.kind.toLowerCase() : ""),
        title: n.title + " — " + num(n.conversation_count) + " conversations",
        "aria-label": n.title + ", " + num(n.conversation_count) + " conversations" + (day.children.has(cell.it.k) ? ", has subtopics" : "") });
      b.style.cssText = style; // CSSOM, which the page's style-src hash allows, unlike a style attribute
      if (cell.w > 40 && cell.h > 22) {
        b.appendChild(el("span", { cls: "cell-title", text: n.title }));
        b.appendChild(el("span", { cls: "cell-count", text: num(n.conversation_count) + (n.emerging ? " · new" : "") + (flag ? " · " + flag.kind : "") }));
      }
      box.appendChild(b);
    });
  }
  function onMapClick(event) {
    var target = event.target.closest("[data-node]");
    if (!target) return;
    var id = target.getAttribute("data-node");
    if (!id) { state.node = null; drawTree(); drawMap(); drawDetail(); writeHash(); return; }
    selectNode(id, true);
  }

  // ---- trend sparkline -----------------------------------------------------------------------
  function sparkline(id, w, h, large) {
    var s = series.get(id), n = DATA.dates.length, pad = large ? 6 : 2;
    var box = svg("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, class: large ? "spark large" : "spark" });
    box.setAttribute("role", "img");
    var values = s ? s.share : [];
    var max = Math.max.apply(null, values.filter(function (v) { return v !== null; }).concat([1e-9]));
    var xOf = function (k) { return n > 1 ? pad + (k * (w - 2 * pad)) / (n - 1) : w / 2; };
    var yOf = function (v) { return h - pad - (v / max) * (h - 2 * pad); };
    var segment = [], described = [];
    var flush = function () {
      if (segment.length === 1) box.appendChild(svg("circle", { cx: segment[0][0], cy: segment[0][1], r: 1.5, class: "spark-dot" }));
      if (segment.length > 1) box.appendChild(svg("polyline", { points: segment.map(function (p) { return p.join(","); }).join(" "), class: "spark-line" }));
      segment = [];
    };
    for (var k = 0; k < n; k++) {
      if (values[k] === null || values[k] === undefined) { flush(); continue; }
      segment.push([xOf(k).toFixed(1), yOf(values[k]).toFixed(1)]);
      described.push(DATA.dates[k] + " " + pct(values[k]) + (s.emerging[k] ? " (emerging)" : ""));
    }
    flush();
    for (k = 0; k < n; k++) {
      if (values[k] === null || values[k] === undefined) continue;
      if (s.emerging[k]) box.appendChild(svg("rect", { x: xOf(k) - 3, y: yOf(values[k]) - 3, width: 6, height: 6, class: "spark-new",
                                                        transform: "rotate(45 " + xOf(k) + " " + yOf(values[k]) + ")" }));
      if (k === day.di) box.appendChild(svg("circle", { cx: xOf(k), cy: yOf(values[k]), r: large ? 3.5 : 2, class: "spark-now" }));
    }
    box.setAttribute("aria-label", "Share by day: " + (described.join("; ") || "no data"));
    return box;
  }

  function trendSummary(id) {
    var s = series.get(id), seen = [];
    s.share.forEach(function (v, k) { if (v !== null) seen.push(k); });
    if (seen.length < 2) return "Present on " + DATA.dates[seen[0]] + " only.";
    var first = seen[0], last = seen[seen.length - 1];
    return pct(s.share[first]) + " on " + DATA.dates[first] + " → " + pct(s.share[last]) + " on " + DATA.dates[last] +
      " (present on " + seen.length + " of " + DATA.dates.length + " days).";
  }

  // ---- detail panel --------------------------------------------------------------------------
  function bars(shares, ratios, limit) {
    var list = el("ul", { cls: "bars" });
    Object.keys(shares).slice(0, limit).forEach(function (key) {
      var fill = el("span", { cls: "bar-fill" }); fill.style.width = Math.min(100, shares[key] * 100) + "%";
      var ratio = ratios && ratios[key];
      var extra = ratio ? " · ×" + ratio[0].toFixed(2) + (ratio[1] !== null && ratio[2] !== null ? " [" + ratio[1].toFixed(2) + "–" + ratio[2].toFixed(2) + "]" : "") : "";
      list.appendChild(el("li", null, el("span", { cls: "bar-label", text: key }), el("span", { cls: "bar" }, fill),
                                      el("span", { cls: "bar-value", text: pct(shares[key]) + extra })));
    });
    return list;
  }
  function drawDetail() {
    var box = $("detail"); clear(box);
    if (!state.node) {
      var d = day.d;
      box.appendChild(el("h3", { text: "All topics on " + d.date }));
      box.appendChild(el("p", { text: num(d.total_conversations) + " conversations, " + num(day.nodes.length) + " public topics, " +
                                      num(day.roots.length) + " at the top level." }));
      box.appendChild(el("p", { cls: "muted", text: "Select a topic in the tree or the map to see its details. Arrow keys move through the tree; Right opens, Left closes." }));
      return;
    }
    var i = day.byId.get(state.node), n = day.nodes[i], p = parentIndex(i);
    box.appendChild(el("h3", { text: n.title }));
    if (n.emerging) box.appendChild(el("p", null, el("span", { cls: "badge new", text: "new" }), " Emerging topic on this day"));
    box.appendChild(el("p", { cls: "description", text: n.description }));
    var facts = el("dl", { cls: "facts" });
    var fact = function (k, v) { facts.appendChild(el("dt", { text: k })); facts.appendChild(el("dd", { text: v })); };
    fact("Conversations", num(n.conversation_count));
    fact("Unique users", num(n.unique_users));
    fact("Share of all", pct(n.share));
    if (p >= 0) fact("Share of parent", pct(n.conversation_count / Math.max(1, day.nodes[p].conversation_count)));
    fact("Previous share", n.previous_share === undefined ? "–" : pct(n.previous_share));
    fact("Mean concern", n.concerning_mean.toFixed(2) + " of 5 (" + concernLevel(n.concerning_mean) + ")");
    fact("Audit score", n.audit_score === undefined || n.audit_score === null ? "not audited by an LLM" : n.audit_score + " of 5");
    fact("Level", n.is_leaf ? "base cluster (depth " + n.depth + ")" : "depth " + n.depth + ", " + (day.children.get(i) || []).length + " subtopics");
    box.appendChild(facts);
    box.appendChild(el("h4", { text: "Trend over " + DATA.dates.length + " day" + (DATA.dates.length > 1 ? "s" : "") }));
    box.appendChild(sparkline(n.id, 260, 64, true));
    box.appendChild(el("p", { cls: "muted", text: trendSummary(n.id) }));
    box.appendChild(el("p", { cls: "legend muted" }, el("span", { cls: "key-now", "aria-hidden": "true" }), " this day ",
                                                     el("span", { cls: "key-new", "aria-hidden": "true" }), " emerging"));
    var flag = day.flags.get(n.id);
    if (flag) {
      var list = flag.kind === "FP" ? day.d.disagreement.false_positive_nodes : day.d.disagreement.false_negative_nodes;
      var item = list[flag.rank - 1];
      box.appendChild(el("h4", { text: "Classifier disagreement" }));
      box.appendChild(el("p", { text: (flag.kind === "FP" ? "Likely false positive" : "Likely false negative") + " (rank " + flag.rank +
        "): flag rate " + pct(item.flag_rate) + ", mean concern " + (item.concerning_mean === null ? "–" : item.concerning_mean.toFixed(2)) + "." }));
    }
    box.appendChild(el("h4", { text: "Languages" }));
    var ratios = day.d.language_ratios && day.d.language_ratios[n.id];
    box.appendChild(Object.keys(n.languages || {}).length ? bars(n.languages, ratios, 8) : el("p", { cls: "muted", text: "none reported" }));
    if (ratios) box.appendChild(el("p", { cls: "muted", text: "× = over-representation against the language's overall share [interval]." }));
    Object.keys(n.custom || {}).forEach(function (facet) {
      var label = facet.replace(/_/g, " ");
      box.appendChild(el("h4", { text: label.charAt(0).toUpperCase() + label.slice(1) }));
      box.appendChild(bars(n.custom[facet], null, 8));
    });
  }

  function drawDisagreement() {
    var box = $("disagreement"); clear(box);
    box.hidden = !state.overlay;
    if (!state.overlay) return;
    var rep = day.d.disagreement;
    if (!rep) { box.appendChild(el("p", { cls: "muted", text: "No classifier-disagreement report for " + day.d.date + "." })); return; }
    box.appendChild(el("h3", { text: "Classifier vs. concern: Pearson " + (rep.pearson === null ? "–" : rep.pearson.toFixed(2)) +
                                      ", Spearman " + (rep.spearman === null ? "–" : rep.spearman.toFixed(2)) }));
    [["false_positive_nodes", "Likely false positives (often flagged, low concern)"],
     ["false_negative_nodes", "Likely false negatives (high concern, rarely flagged)"]].forEach(function (pair) {
      var section = el("div", { cls: "dis-list" }, el("h4", { text: pair[1] }));
      var ol = el("ol");
      rep[pair[0]].slice(0, 8).forEach(function (it) {
        var n = day.nodes[day.byId.get(it.node_id)];
        ol.appendChild(el("li", null, el("button", { type: "button", cls: "link", "data-node": it.node_id, text: n.title }),
          " — flagged " + pct(it.flag_rate) + ", concern " + (it.concerning_mean === null ? "–" : it.concerning_mean.toFixed(1))));
      });
      if (!rep[pair[0]].length) ol.appendChild(el("li", { cls: "muted", text: "none" }));
      section.appendChild(ol); box.appendChild(section);
    });
  }

  function drawFooter() {
    var f = $("footer"), pr = day.d.privacy; clear(f);
    f.appendChild(el("p", null, el("strong", { text: "Privacy: " }),
      "every topic shown has at least " + num(pr.min_unique_users) + " distinct users and " + num(pr.min_conversations) +
      " conversations; differential privacy " + (pr.dp_epsilon === null ? "off" : "ε = " + pr.dp_epsilon) + ". Suppressed: " +
      num(pr.suppressed_clusters) + " clusters, " + num(pr.suppressed_conversations) + " conversations."));
    f.appendChild(el("p", { cls: "muted", text: "Date " + day.d.date + " · " + num(day.d.total_conversations) + " conversations · backend " +
      day.d.backend + (day.d.model ? " (" + day.d.model + ")" : "") + " · " + DATA.dates.length + " day(s) available · built from public aggregates only; this page makes no network request." }));
  }

  // ---- controls and deep links ----------------------------------------------------------------
  function fillSelect(select, options, current) {
    clear(select);
    options.forEach(function (o) { select.appendChild(el("option", { value: o[0], text: o[1] })); });
    if (current && !options.some(function (o) { return o[0] === current; })) select.appendChild(el("option", { value: current, text: current + " (absent)" }));
    select.value = current;
  }
  function fillControls() {
    fillSelect($("date"), DATA.dates.slice().reverse().map(function (d) { return [d, d]; }), state.date);
    fillSelect($("language"), [["", "any"]].concat(day.languages.map(function (l) { return [l, l]; })), state.lang);
    var facetOptions = [["", "any"]];
    day.facets.forEach(function (values, facet) {
      Array.from(values).sort().forEach(function (v) { facetOptions.push([facet + ":" + v, facet.replace(/_/g, " ") + ": " + v]); });
    });
    fillSelect($("facet"), facetOptions, state.facet);
    $("facet-label").hidden = facetOptions.length === 1 && !state.facet;
    $("search").value = state.q; $("concern").value = state.concern; $("min-share").value = state.minShare;
    $("overlay").checked = state.overlay;
  }
  var HASH_KEYS = { date: "d", node: "n", q: "q", lang: "lang", concern: "c", facet: "f", minShare: "ms", overlay: "o" };
  function writeHash() {
    var params = new URLSearchParams();
    Object.keys(HASH_KEYS).forEach(function (key) {
      var v = state[key];
      if (key === "overlay") { if (v) params.set(HASH_KEYS[key], "1"); }
      else if (key === "minShare") { if (v !== "0.1") params.set(HASH_KEYS[key], v); }
      else if (v) params.set(HASH_KEYS[key], v);
    });
    var hash = "#" + params.toString();
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }
  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ""));
    var next = { date: DATA.dates[DATA.dates.length - 1], node: null, q: "", lang: "", concern: "", facet: "", minShare: "0.1", overlay: false };
    Object.keys(HASH_KEYS).forEach(function (key) {
      var v = params.get(HASH_KEYS[key]);
      if (v === null) return;
      if (key === "overlay") next.overlay = v === "1";
      else next[key] = v;
    });
    if (DATA.dates.indexOf(next.date) < 0) next.date = DATA.dates[DATA.dates.length - 1];
    return next;
  }
  function load(next) {
    var keepNode = next.node;
    state = next;
    if (!day || day.d.date !== state.date) day = indexDay(state.date);
    collapsed.clear();
    fillControls(); applyFilters(); flatten();
    selectNode(keepNode, true);
    drawFooter();
  }
  function refilter() {
    applyFilters(); collapsed.clear(); flatten(); $("tree").scrollTop = 0; setActive(state.node && rowOf.has(state.node) ? rowOf.get(state.node) : 0, false);
    drawMap(); writeHash();
  }

  var searchTimer = 0;
  $("search").addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { state.q = $("search").value; refilter(); }, 120);
  });
  $("language").addEventListener("change", function () { state.lang = this.value; refilter(); });
  $("concern").addEventListener("change", function () { state.concern = this.value; refilter(); });
  $("facet").addEventListener("change", function () { state.facet = this.value; refilter(); });
  $("min-share").addEventListener("change", function () { state.minShare = this.value; refilter(); });
  $("overlay").addEventListener("change", function () { state.overlay = this.checked; drawTree(); drawMap(); drawDetail(); writeHash(); });
  $("date").addEventListener("change", function () { var next = Object.assign({}, state, { date: this.value }); load(next); });
  $("controls").addEventListener("submit", function (event) { event.preventDefault(); });
  $("reset").addEventListener("click", function () { expanded.clear(); history.replaceState(null, "", "#"); load(readHash()); });
  $("tree").addEventListener("scroll", scheduleTree, { passive: true });
  $("tree").addEventListener("keydown", onTreeKey);
  $("tree").addEventListener("click", onTreeClick);
  $("treemap").addEventListener("click", onMapClick);
  $("crumbs").addEventListener("click", onMapClick);
  $("disagreement").addEventListener("click", onMapClick);
  window.addEventListener("hashchange", function () { load(readHash()); });
  var resizeTimer = 0;
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(function () { drawTree(); drawMap(); }, 100); });

  load(readHash());
  document.documentElement.setAttribute("data-ready", "1");
})();
