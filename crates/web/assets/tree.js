// Opens the organisation tree one level at a time: when a node is opened for the first
// time its children are fetched from /tree/{code}. Without this script every node links
// to its organisation's page, so nothing depends on it.
document.addEventListener("toggle", function (e) {
  var node = e.target;
  if (!(node instanceof HTMLDetailsElement) || !node.open || node.dataset.loaded) return;
  node.dataset.loaded = "1";
  fetch(node.dataset.children, { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
    .then(function (html) { node.querySelector(".kids").innerHTML = html; })
    .catch(function () { delete node.dataset.loaded; });
}, true);
