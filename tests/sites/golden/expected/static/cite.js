/* sitegen: the "Copy BibTeX" button of a paper page.
   Without this script the button stays hidden and the entry is plain selectable text.
   The button copies the text of the element named by its data-copy attribute and says
   "Copied" in the role=status element named by data-status, which screen readers announce.
   Where the clipboard cannot be written (an http: page, a refused permission) the
   text is selected instead, ready for Ctrl+C / Cmd+C. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status"));
    if (!source) {
      return;
    }
    var timer = null;
    function say(message) {
      if (!status) {
        return;
      }
      window.clearTimeout(timer);
      status.textContent = message;
      timer = window.setTimeout(function () { status.textContent = ""; }, 4000);
    }
    function select() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      say("Selected: press Ctrl+C to copy");
    }
    button.addEventListener("click", function () {
      var text = source.textContent;
      if (!navigator.clipboard || !window.isSecureContext) {
        select();
        return;
      }
      navigator.clipboard.writeText(text).then(function () { say("Copied"); }, select);
    });
    button.hidden = false;
  });
})();
