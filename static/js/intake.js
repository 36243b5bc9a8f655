// Accident report intake: choosing a policy pre-ticks "own cloud service" (and "free for
// promotion") as the policy records them; the handler can still change both before saving.
(function () {
  "use strict";
  var select = document.getElementById("id_policy");
  if (!select) return;
  select.addEventListener("change", function () {
    var option = select.options[select.selectedIndex];
    if (!option || !option.value) return;
    var cloud = document.getElementById("id_own_cloud_service");
    var free = document.getElementById("id_own_cloud_service_free_promotional");
    if (cloud) cloud.checked = option.dataset.cloud === "1";
    if (free) free.checked = option.dataset.cloudFree === "1";
  });
})();
