// The map editor's live preview: while staff type in the forms that add a stage, place an actor or draw a
// flow, the map above shows the part as it would be saved (dashed, marked "not saved"), and a line under it
// says the same in words (a polite live region). Nothing is saved until the form's button is pressed; the
// forms stay plain HTML forms, so the keyboard works as without JavaScript.
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";

  function svgElement(name, attributes, text) {
    const element = document.createElementNS(SVG, name);
    Object.entries(attributes).forEach(([key, value]) => element.setAttribute(key, String(value)));
    if (text) element.textContent = text;
    return element;
  }

  // An element's box in the coordinates of the map's layer (whatever the layout moved it by).
  function boxIn(layer, element) {
    const box = element.getBBox();
    const layerMatrix = layer.getCTM();
    const matrix = element.getCTM();
    if (!layerMatrix || !matrix) return null;
    const toLayer = layerMatrix.inverse().multiply(matrix);
    const a = new DOMPoint(box.x, box.y).matrixTransform(toLayer);
    const b = new DOMPoint(box.x + box.width, box.y + box.height).matrixTransform(toLayer);
    return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y };
  }

  function value(form, name) {
    const field = form.elements.namedItem(name);
    return field ? field.value.trim() : "";
  }

  function optionText(form, name) {
    const field = form.elements.namedItem(name);
    return field && field.selectedOptions && field.selectedOptions[0] ? field.selectedOptions[0].text.trim() : "";
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
  }

  function pendingStage(layer, name) {
    const columns = Array.from(layer.querySelectorAll(".eco-column"))
      .map((column) => boxIn(layer, column))
      .filter(Boolean);
    const right = columns.reduce((edge, box) => Math.max(edge, box.x + box.width), 0);
    const height = columns.reduce((tallest, box) => Math.max(tallest, box.height), 200);
    const x = right + 16;
    const group = svgElement("g", { class: "eco-pending", "data-pending": "stage" });
    group.append(
      svgElement("rect", { x, y: 16, width: 180, height, rx: 10 }),
      svgElement("text", { class: "eco-stage-name", x: x + 90, y: 44, "text-anchor": "middle" }, name)
    );
    return group;
  }

  function pendingActor(layer, name, stageId) {
    const column = layer.querySelector(`.eco-column[data-column="${stageId}"]`);
    const columnBox = column ? boxIn(layer, column) : null;
    if (!columnBox) return null;
    const below = Array.from(layer.querySelectorAll(`.eco-actor[data-stage="${stageId}"]`))
      .map((actor) => boxIn(layer, actor))
      .filter(Boolean)
      .reduce((bottom, box) => Math.max(bottom, box.y + box.height), columnBox.y + 72);
    const width = Math.min(columnBox.width - 16, 180);
    const x = columnBox.x + (columnBox.width - width) / 2;
    const y = below + 12;
    const group = svgElement("g", { class: "eco-pending", "data-pending": "actor" });
    group.append(
      svgElement("rect", { x, y, width, height: 44, rx: 6 }),
      svgElement("text", { class: "eco-actor-name", x: x + width / 2, y: y + 27, "text-anchor": "middle" }, name)
    );
    return group;
  }

  function pendingFlow(layer, label, fromId, toId) {
    const from = layer.querySelector(`.eco-actor[data-actor="${fromId}"]`);
    const to = layer.querySelector(`.eco-actor[data-actor="${toId}"]`);
    const a = from && boxIn(layer, from);
    const b = to && boxIn(layer, to);
    if (!a || !b || fromId === toId) return null;
    const start = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
    const end = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    const group = svgElement("g", { class: "eco-pending", "data-pending": "flow" });
    group.append(
      svgElement("path", { d: `M${start.x},${start.y} L${end.x},${end.y}`, "marker-end": "url(#eco-arrowhead)" }),
      svgElement("text", { x: (start.x + end.x) / 2, y: (start.y + end.y) / 2 - 6, "text-anchor": "middle" }, label)
    );
    return group;
  }

  function init() {
    const preview = document.querySelector("[data-live-preview]");
    if (!preview) return;
    const status = preview.querySelector("[data-preview-status]");
    const forms = Array.from(document.querySelectorAll("form[data-preview]"));

    function update() {
      const layer = preview.querySelector("[data-map-layer]");
      if (layer) layer.querySelectorAll(".eco-pending").forEach((element) => element.remove());
      const said = [];
      forms.forEach((form) => {
        const kind = form.dataset.preview;
        let drawn = null;
        if (kind === "stage" && value(form, "name")) {
          const name = value(form, "name");
          said.push(fill(status.dataset.stage, { name }));
          drawn = layer && pendingStage(layer, name);
        } else if (kind === "actor" && value(form, "name")) {
          const name = value(form, "name");
          said.push(fill(status.dataset.actor, { name, stage: optionText(form, "stage") }));
          drawn = layer && pendingActor(layer, name, value(form, "stage"));
        } else if (kind === "flow" && value(form, "label")) {
          const label = value(form, "label");
          said.push(
            fill(status.dataset.flow, {
              label,
              source: optionText(form, "from_actor"),
              target: optionText(form, "to_actor"),
            })
          );
          drawn = layer && pendingFlow(layer, label, value(form, "from_actor"), value(form, "to_actor"));
        }
        if (drawn) layer.append(drawn);
      });
      status.textContent = said.length ? `${status.dataset.intro} ${said.join("; ")}.` : "";
      status.hidden = !said.length;
    }

    forms.forEach((form) => {
      form.addEventListener("input", update);
      form.addEventListener("change", update);
    });
    // Once the map's own script has laid the map out again, the pending parts follow the new layout.
    window.addEventListener("load", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
