// Enrolment kiosk: read the ID card from the terminal's reader service, record consent,
// film the liveness challenge and send the frames; then offer the Art. 7 fallbacks.
// The server checks everything again; this page only guides the student.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const $ = (id) => document.getElementById(id);
  const capture = window.AidfaceCapture;
  const show = capture.stepper(["step-card", "step-consent", "step-capture", "step-result"]);
  const showError = capture.errorLine($("error"));
  const { post: api, postJson } = capture.client(config);
  // The camera opens only after consent, and closes after each capture.
  const camera = capture.camera($("preview"));
  const busy = (button, work) => capture.busy(button, work, showError);

  let enrolment = null;

  // Step 1: the card, read by the reader service on this terminal and checked by the server.
  async function readCard() {
    const card = await capture.readCard(config.readerUrl, "无法从身份证读卡器读取证件，请确认读卡器已连接、证件已放好后重试");
    enrolment = await postJson("/card", card);
    $("student-name").textContent = enrolment.student_name;
    $("student-id").textContent = enrolment.masked_id_number;
    $("student-class").textContent = `${enrolment.school_name} ${enrolment.class_name}`;
    $("guardian").hidden = !enrolment.guardian_consent_required;
    $("student-consents").checked = false;
    $("guardian-consents").checked = false;
    $("guardian-name").value = "";
    $("guardian-relation").value = "";
    show("step-consent");
  }

  // Step 2: consent of the student, and of the guardian for a student under 18.
  async function giveConsent() {
    if (!$("student-consents").checked) throw new Error("请学生本人勾选同意后再开始采集");
    await postJson(`/${enrolment.enrolment_id}/consent`, {
      student_consents: true,
      guardian_name: $("guardian-name").value,
      guardian_relation: $("guardian-relation").value,
      guardian_consents: $("guardian-consents").checked,
    });
    await captureLiveness();
  }

  // Step 3: the server's challenge, its prompts on screen, and the filmed frames.
  async function captureLiveness() {
    show("step-capture");
    $("take-evidence").hidden = true;
    $("capture-hint").textContent = "请正对镜头，按屏幕提示完成动作";
    $("prompt").textContent = "请正对镜头";
    await camera.open();
    try {
      const challenge = await api(`/${enrolment.enrolment_id}/challenge`);
      const form = new FormData();
      await capture.filmChallenge(camera, challenge, form, $("prompt"));
      $("prompt").textContent = "正在核验，请稍候…";
      form.append("nonce", challenge.nonce);
      const result = await api(`/${enrolment.enrolment_id}/capture`, { body: form });
      showResult(result);
    } catch (error) {
      showUnfinished(error.message);
    } finally {
      camera.close();
    }
  }

  function showUnfinished(message) {
    $("result-title").textContent = "采集未完成";
    $("result-title").className = "result-bad";
    $("result-messages").replaceChildren(Object.assign(document.createElement("li"), { textContent: message }));
    $("retry").hidden = false;
    $("provisional").hidden = true;
    $("evidence").hidden = true;
    show("step-result");
  }

  function showResult(result) {
    const passed = result.outcome === "passed";
    const title = $("result-title");
    if (passed) {
      title.textContent = result.state === "enrolled" ? "采集成功" : `采集已提交：${result.state_label}`;
    } else {
      title.textContent = result.outcome === "liveness_failed" ? "动作检测未通过" : "比对未通过";
    }
    title.className = passed ? "result-ok" : "result-bad";
    const list = $("result-messages");
    list.replaceChildren();
    const lines = [...result.messages];
    if (result.late) lines.push("已超过本学期新增采集截止日，记为逾期采集");
    for (const text of lines) {
      const item = document.createElement("li");
      item.textContent = text;
      list.append(item);
    }
    const failedVerification = ["verification_failed", "reference_unusable"].includes(result.state);
    $("retry").hidden = passed || result.state === "reference_unusable";
    $("provisional").hidden = !failedVerification;
    $("evidence").hidden = !failedVerification;
    show("step-result");
  }

  function showDone(title, message) {
    $("result-title").textContent = title;
    $("result-title").className = "result-ok";
    $("result-messages").replaceChildren(Object.assign(document.createElement("li"), { textContent: message }));
    $("retry").hidden = true;
    show("step-result");
  }

  async function registerProvisional() {
    const result = await api(`/${enrolment.enrolment_id}/provisional`);
    $("provisional").hidden = true;
    showDone(`已登记：${result.state_label}`, "暂时录入有效至本学期末，请学校在期末前完成佐证申诉");
    $("evidence").hidden = false;
  }

  // Art. 7 evidence: one still photo of the student with the ID card beside the face.
  async function startEvidence() {
    show("step-capture");
    $("prompt").textContent = "请手持身份证置于胸前，正对镜头";
    $("capture-hint").textContent = "准备好后点击“拍照”";
    $("take-evidence").hidden = false;
    await camera.open();
  }

  async function takeEvidence() {
    const form = new FormData();
    form.append("photo", await camera.grabFrame(), "evidence.jpg");
    try {
      await api(`/${enrolment.enrolment_id}/evidence`, { body: form });
    } finally {
      camera.close();
      $("take-evidence").hidden = true;
    }
    $("evidence").hidden = true;
    $("provisional").hidden = true;
    showDone("佐证照片已保存", "请学校管理员在系统中向同级资助部门提交佐证申诉");
  }

  function nextStudent() {
    camera.close();
    enrolment = null;
    showError("");
    show("step-card");
  }

  $("read-card").addEventListener("click", (event) => busy(event.currentTarget, readCard));
  $("give-consent").addEventListener("click", (event) => busy(event.currentTarget, giveConsent));
  $("retry").addEventListener("click", (event) => busy(event.currentTarget, captureLiveness));
  $("provisional").addEventListener("click", (event) => busy(event.currentTarget, registerProvisional));
  $("evidence").addEventListener("click", (event) => busy(event.currentTarget, startEvidence));
  $("take-evidence").addEventListener("click", (event) => busy(event.currentTarget, takeEvidence));
  $("next-student").addEventListener("click", nextStudent);
  $("fullscreen").addEventListener("click", () => document.documentElement.requestFullscreen().catch(() => {}));
  show("step-card");
})();
