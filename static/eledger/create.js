// The chosen file's name goes with the lesson plan's name check; the file itself is sent only on upload.
(function () {
  var file = document.getElementById("id_file");
  var name = document.getElementById("id_filename");
  if (!file || !name) {
    return;
  }
  file.addEventListener("change", function () {
    name.value = this.files.length ? this.files[0].name : "";
  }, true);
})();
