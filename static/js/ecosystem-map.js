// The ecosystem map, readable: lays the server-drawn SVG out again with dagre (stages stay in order from left
// to right, actor boxes and flow labels never overlap), then adds pan and zoom (pointer, buttons, keyboard) and
// highlights an actor's flows on hover or focus. Without JavaScript, or if anything here fails, the server's
// drawing stays as it is.
(function () {
  "use strict";

  const HEADER = 88; // room above the actors for the stage headings
  const STAGE_HEAD = 56;
  const READABLE = 1; // start at full size: the smallest labels are 12 px
  const PAN_STEP = 120;

  function number(element, name) {
    return parseFloat(element.getAttribute(name)) || 0;
  }

  // A smooth path through dagre's points (Catmull-Rom turned into cubic Béziers).
  function smoothPath(points) {
    if (points.length < 3) {
      return points.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    }
    let d = `M${points[0].x.toFixed(1)},${points[0].y.toFixed(1)}`;
    for (let i = 0; i < points.length - 1; i++) {
      const p0 = points[i - 1] || points[i];
      const p1 = points[i];
      const p2 = points[i + 1];
      const p3 = points[i + 2] || p2;
      const c1 = { x: p1.x + (p2.x - p0.x) / 6, y: p1.y + (p2.y - p0.y) / 6 };
      const c2 = { x: p2.x - (p3.x - p1.x) / 6, y: p2.y - (p3.y - p1.y) / 6 };
      d += ` C${c1.x.toFixed(1)},${c1.y.toFixed(1)} ${c2.x.toFixed(1)},${c2.y.toFixed(1)} ${p2.x.toFixed(1)},${p2.y.toFixed(1)}`;
    }
    return d;
  }

  function layOut(svg) {
    const stageLinks = Array.from(svg.querySelectorAll(".eco-stage[data-stage]"));
    const stages = stageLinks.map((link) => link.dataset.stage);
    const stageIndex = new Map(stages.map((id, index) => [id, index]));
    const actors = Array.from(svg.querySelectorAll(".eco-actor[data-actor]"));
    const flows = Array.from(svg.querySelectorAll(".eco-flow[data-flow]"));
    const labels = new Map(
      Array.from(svg.querySelectorAll("[data-flow-label]")).map((label) => [label.dataset.flowLabel, label])
    );
    const actorStage = new Map(actors.map((actor) => [actor.dataset.actor, actor.dataset.stage]));

    const graph = new window.dagre.graphlib.Graph({ multigraph: true });
    graph.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 48, edgesep: 12, marginx: 16, marginy: 8 });
    graph.setDefaultEdgeLabel(() => ({}));
    // One invisible anchor before each stage and one after the last: every actor sits between its stage's
    // anchor and the next, so the stages keep their order from left to right.
    stages.forEach((id) => graph.setNode(`stage-${id}`, { width: 1, height: 1 }));
    graph.setNode("stage-end", { width: 1, height: 1 });
    const anchor = (index) => (index < stages.length ? `stage-${stages[index]}` : "stage-end");
    stages.forEach((id, index) => {
      graph.setEdge(anchor(index), anchor(index + 1), { minlen: 2, weight: 0 }, `order-${id}`);
    });
    actors.forEach((actor) => {
      const box = actor.querySelector("rect");
      const id = actor.dataset.actor;
      const index = stageIndex.get(actor.dataset.stage) || 0;
      graph.setNode(`actor-${id}`, { width: number(box, "width"), height: number(box, "height") });
      graph.setEdge(anchor(index), `actor-${id}`, { minlen: 1, weight: 0 }, `in-${id}`);
      graph.setEdge(`actor-${id}`, anchor(index + 1), { minlen: 1, weight: 0 }, `out-${id}`);
    });
    const reversed = new Set();
    flows.forEach((flow) => {
      const id = flow.dataset.flow;
      let from = flow.dataset.from;
      let to = flow.dataset.to;
      // A flow back to an earlier stage is laid out forwards and drawn backwards, so it never pulls a stage
      // out of order.
      if ((stageIndex.get(actorStage.get(from)) || 0) > (stageIndex.get(actorStage.get(to)) || 0)) {
        [from, to] = [to, from];
        reversed.add(id);
      }
      const label = labels.get(id);
      const size = label ? label.querySelector("text").getBBox() : { width: 0, height: 0 };
      graph.setEdge(
        `actor-${from}`,
        `actor-${to}`,
        { minlen: 1, weight: 1, width: size.width + 8, height: size.height + 4, labelpos: "c" },
        `flow-${id}`
      );
    });
    window.dagre.layout(graph);

    const drawn = graph.graph();
    const width = Math.ceil(drawn.width);
    const height = Math.ceil(drawn.height) + HEADER;

    actors.forEach((actor) => {
      const box = actor.querySelector("rect");
      const node = graph.node(`actor-${actor.dataset.actor}`);
      const dx = node.x - node.width / 2 - number(box, "x");
      const dy = node.y - node.height / 2 + HEADER - number(box, "y");
      actor.setAttribute("transform", `translate(${dx.toFixed(1)},${dy.toFixed(1)})`);
    });
    flows.forEach((flow) => {
      const id = flow.dataset.flow;
      let from = flow.dataset.from;
      let to = flow.dataset.to;
      if (reversed.has(id)) [from, to] = [to, from];
      const edge = graph.edge({ v: `actor-${from}`, w: `actor-${to}`, name: `flow-${id}` });
      let points = edge.points.map((p) => ({ x: p.x, y: p.y + HEADER }));
      if (reversed.has(id)) points = points.reverse();
      const d = smoothPath(points);
      flow.querySelectorAll("path").forEach((path) => path.setAttribute("d", d));
      const label = labels.get(id);
      if (label && edge.x !== undefined) {
        const text = label.querySelector("text");
        text.setAttribute("x", edge.x.toFixed(1));
        text.setAttribute("y", (edge.y + HEADER + 4).toFixed(1));
      }
    });
    stageLinks.forEach((link, index) => {
      const left = graph.node(anchor(index)).x + 4;
      const right = graph.node(anchor(index + 1)).x - 4;
      const column = svg.querySelector(`[data-column="${link.dataset.stage}"]`);
      const head = link.querySelector(".eco-column-head");
      const oldCenter = number(head, "x") + number(head, "width") / 2;
      const center = (left + right) / 2;
      const dx = center - oldCenter;
      link.setAttribute("transform", `translate(${dx.toFixed(1)},0)`);
      head.setAttribute("x", (oldCenter - (right - left) / 2).toFixed(1));
      head.setAttribute("width", (right - left).toFixed(1));
      head.setAttribute("height", STAGE_HEAD);
      if (column) {
        column.setAttribute("x", left.toFixed(1));
        column.setAttribute("width", (right - left).toFixed(1));
        column.setAttribute("height", height - 24);
      }
    });
    return { width, height };
  }

  function panAndZoom(svg, viewport, controls, size) {
    const view = { x: 0, y: 0, scale: 1 };
    const fitScale = () => Math.min(viewport.clientWidth / size.width, 1);

    function apply() {
      const width = viewport.clientWidth / view.scale;
      const shown = Math.min(size.height * view.scale, Math.max(window.innerHeight * 0.75, 360));
      const height = shown / view.scale;
      view.x = Math.max(Math.min(view.x, size.width - width), Math.min(0, size.width - width));
      view.y = Math.max(Math.min(view.y, size.height - height), 0);
      svg.setAttribute("width", viewport.clientWidth);
      svg.setAttribute("height", Math.round(shown));
      svg.setAttribute("viewBox", `${view.x.toFixed(1)} ${view.y.toFixed(1)} ${width.toFixed(1)} ${height.toFixed(1)}`);
      svg.dataset.scale = view.scale.toFixed(3);
    }

    function zoom(factor) {
      const width = viewport.clientWidth / view.scale;
      const centerX = view.x + width / 2;
      const centerY = view.y + (svg.viewBox.baseVal.height || 0) / 2;
      view.scale = Math.min(Math.max(view.scale * factor, fitScale() * 0.8, 0.3), 2.5);
      view.x = centerX - viewport.clientWidth / view.scale / 2;
      view.y = centerY - (svg.viewBox.baseVal.height || 0) / 2;
      apply();
    }

    function fit() {
      view.scale = fitScale();
      view.x = 0;
      view.y = 0;
      apply();
    }

    function pan(dx, dy) {
      view.x += dx / view.scale;
      view.y += dy / view.scale;
      apply();
    }

    controls.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      if (button.dataset.zoom === "in") zoom(1.25);
      else if (button.dataset.zoom === "out") zoom(0.8);
      else if (button.dataset.zoom === "fit") fit();
      else if (button.dataset.pan === "left") pan(-PAN_STEP, 0);
      else if (button.dataset.pan === "right") pan(PAN_STEP, 0);
      else if (button.dataset.pan === "up") pan(0, -PAN_STEP);
      else if (button.dataset.pan === "down") pan(0, PAN_STEP);
    });
    viewport.addEventListener("keydown", (event) => {
      if (event.target !== viewport) return; // the links inside keep their own keys
      const keys = {
        ArrowLeft: () => pan(-PAN_STEP, 0),
        ArrowRight: () => pan(PAN_STEP, 0),
        ArrowUp: () => pan(0, -PAN_STEP),
        ArrowDown: () => pan(0, PAN_STEP),
        "+": () => zoom(1.25),
        "=": () => zoom(1.25),
        "-": () => zoom(0.8),
        0: fit,
      };
      if (keys[event.key]) {
        keys[event.key]();
        event.preventDefault();
      }
    });
    let drag = null;
    svg.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || event.target.closest("a")) return;
      drag = { x: event.clientX, y: event.clientY };
      svg.setPointerCapture(event.pointerId);
      svg.classList.add("is-dragging");
    });
    svg.addEventListener("pointermove", (event) => {
      if (!drag) return;
      pan(drag.x - event.clientX, drag.y - event.clientY);
      drag = { x: event.clientX, y: event.clientY };
    });
    const stop = () => {
      drag = null;
      svg.classList.remove("is-dragging");
    };
    svg.addEventListener("pointerup", stop);
    svg.addEventListener("pointercancel", stop);
    svg.addEventListener(
      "wheel",
      (event) => {
        if (!event.ctrlKey) return; // a plain wheel scrolls the page
        event.preventDefault();
        zoom(event.deltaY < 0 ? 1.1 : 0.9);
      },
      { passive: false }
    );
    window.addEventListener("resize", apply);
    view.scale = Math.max(fitScale(), READABLE);
    view.scale = Math.min(view.scale, 1);
    apply();
  }

  // Hovering or focusing an actor highlights its flows and the actors at their other ends.
  function highlighting(svg) {
    const flows = Array.from(svg.querySelectorAll(".eco-flow[data-flow]"));
    function show(actor) {
      const id = actor.dataset.actor;
      svg.classList.add("is-highlighting");
      actor.classList.add("is-highlighted");
      flows.forEach((flow) => {
        if (flow.dataset.from !== id && flow.dataset.to !== id) return;
        flow.classList.add("is-highlighted");
        const label = svg.querySelector(`[data-flow-label="${flow.dataset.flow}"]`);
        if (label) label.classList.add("is-highlighted");
        const other = flow.dataset.from === id ? flow.dataset.to : flow.dataset.from;
        const partner = svg.querySelector(`.eco-actor[data-actor="${other}"]`);
        if (partner) partner.classList.add("is-partner");
      });
    }
    function clear() {
      svg.classList.remove("is-highlighting");
      svg.querySelectorAll(".is-highlighted, .is-partner").forEach((element) => {
        element.classList.remove("is-highlighted", "is-partner");
      });
    }
    svg.querySelectorAll(".eco-actor[data-actor]").forEach((actor) => {
      actor.addEventListener("mouseenter", () => show(actor));
      actor.addEventListener("mouseleave", clear);
      actor.addEventListener("focus", () => show(actor));
      actor.addEventListener("blur", clear);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const svg = document.querySelector("svg[data-map]");
    if (!svg) return;
    highlighting(svg);
    if (!window.dagre) return;
    const viewport = svg.closest("[data-map-viewport]");
    const controls = document.querySelector("[data-map-controls]");
    let size;
    try {
      size = layOut(svg);
    } catch (error) {
      return; // the server's drawing stays
    }
    viewport.classList.add("is-laid-out");
    viewport.setAttribute("aria-label", viewport.dataset.laidOutLabel || viewport.getAttribute("aria-label"));
    controls.hidden = false;
    const help = document.querySelector("[data-map-help]");
    if (help) help.hidden = false;
    panAndZoom(svg, viewport, controls, size);
    svg.dataset.laidOut = "true";
  });
})();
