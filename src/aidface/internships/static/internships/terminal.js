// Pre-departure confirmation kiosk: enter the student's ID number, show the internship for
// checking, film the liveness challenge and send the frames. The server checks everything
// again; this page only guides the student.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const $ = (id) => document.getElementById(id);
  const capture = window.AidfaceCapture;
  const show = capture.stepper(["step-identify", "step-check", "step-capture", "step-result"]);
  const showError = capture.errorLine($("error"));
  const { post: api, postJson } = capture.client(config);
  const camera = capture.camera($("preview"));
  const busy = (button, work) => capture.busy(button, work, showError);

  let record = null;

  // Step 1: the ID number typed at the terminal; the server finds the internship awaiting confirmation.
  async function lookup() {
    const idNumber = $("id-number").value.trim();
    if (!idNumber) throw new Error("请输入学生的身份证号");
    record = await postJson("/terminal/lookup", { id_number: idNumber });
    $("student-name").textContent = record.student_name;
    $("student-id").textContent = record.masked_id_number;
    $("student-class").textContent = record.class_name;
    $("company").textContent = record.company;
    $("address").textContent = record.address;
    $("period").textContent = record.period;
    show("step-check");
  }

  // Step 2: the server's challenge, its prompts on screen, and the filmed frames.
  async function captureLiveness() {
    show("step-capture");
    $("prompt").textContent = "请正对镜头";
    try {
      await camera.open();
      const challenge = await api(`/terminal/${record.record_id}/challenge`);
      const form = new FormData();
      await capture.filmChallenge(camera, challenge, form, $("prompt"));
      $("prompt").textContent = "正在核验，请稍候…";
      form.append("nonce", challenge.nonce);
      showResult(await api(`/terminal/${record.record_id}/confirm`, { body: form }));
    } catch (error) {
      showResult({ passed: false, outcome: "unfinished", messages: [error.message] });
    } finally {
      camera.close();
    }
  }

  function showResult(result) {
    const title = $("result-title");
    if (result.passed) {
      title.textContent = "离校前确认成功";
    } else if (result.outcome === "unfinished") {
      title.textContent = "确认未完成";
    } else {
      title.textContent = result.outcome === "liveness_failed" ? "动作检测未通过" : "人脸比对未通过";
    }
    title.className = result.passed ? "result-ok" : "result-bad";
    const lines = [...result.messages];
    if (result.passed && result.confirmed_at) lines.push(`确认时间：${result.confirmed_at}`);
    capture.fillList($("result-messages"), lines);
    $("retry").hidden = result.passed;
    show("step-result");
  }

  function nextStudent() {
    camera.close();
    record = null;
    $("id-number").value = "";
    showError("");
    show("step-identify");
  }

  $("lookup").addEventListener("click", (event) => busy(event.currentTarget, lookup));
  $("id-number").addEventListener("keydown", (event) => {
    if (event.key === "Enter") busy($("lookup"), lookup);
  });
  $("start-capture").addEventListener("click", (event) => busy(event.currentTarget, captureLiveness));
  $("retry").addEventListener("click", (event) => busy(event.currentTarget, captureLiveness));
  $("next-student").addEventListener("click", nextStudent);
  $("fullscreen").addEventListener("click", () => document.documentElement.requestFullscreen().catch(() => {}));
  show("step-identify");
})();
