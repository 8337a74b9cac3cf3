// Check-in kiosk at the school terminal (Art. 13). The page identifies the student by ID card
// or typed ID number, films the liveness challenge and sends the frames. When the on-site
// confirmation fails, it takes the evidence photo automatically and, once the terminal's
// operator confirms, records the forced pass.
// The server checks everything again; this page only guides the student.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const $ = (id) => document.getElementById(id);
  const capture = window.AidfaceCapture;
  const show = capture.stepper(["step-identify", "step-student", "step-capture", "step-result"]);
  const showError = capture.errorLine($("error"));
  const { post: api, postJson } = capture.client(config, (response, data) => {
    if (response.status === 404) return "该学生不在本校抽查名单中，请核对后重试";
    return data.message || `服务器返回错误（${response.status}），请稍后重试`;
  });
  // The camera opens for the confirmation and stays open until the evidence photo is taken.
  const camera = capture.camera($("preview"));
  const busy = (button, work) => capture.busy(button, work, showError);
  // The evidence photo is taken this long after the failed result is known, so the
  // student is still in front of the camera and has seen the prompt.
  const EVIDENCE_DELAY_MS = 1200;

  let participant = null;
  let evidence = null;
  let evidenceUrl = null;

  // Step 1: the student, by the card on the reader or by the typed ID number.
  async function readCard() {
    const card = await capture.readCard(
      config.readerUrl,
      "无法从身份证读卡器读取证件，请确认读卡器已连接、证件已放好后重试，或直接输入身份证号",
    );
    showStudent(await postJson("/identify", { id_number: card.id_number || "", name: card.name || "", source: "card" }));
  }

  async function findTyped() {
    const value = $("id-number").value.trim();
    if (!value) throw new Error("请输入学生的身份证号");
    showStudent(await postJson("/identify", { id_number: value, source: "typed" }));
  }

  function showStudent(found) {
    participant = found;
    $("id-number").value = "";
    if (found.done) {
      showMessage(`${found.student_name}：本次抽查已${found.status_label}`, ["无需再次现场确认"], true);
      return;
    }
    $("student-name").textContent = found.student_name;
    $("student-id").textContent = found.masked_id_number;
    $("student-class").textContent = found.class_name;
    $("check-label").textContent = found.check_label;
    $("check-ends").textContent = found.check_ends_at;
    $("student-status").textContent = found.status_label;
    show("step-student");
  }

  // Step 2: the server's challenge, its prompts on screen, and the filmed frames.
  async function confirmOnSite() {
    show("step-capture");
    $("capture-hint").textContent = "请正对镜头，按屏幕提示完成动作";
    $("prompt").textContent = "请正对镜头";
    let keepCamera = false;
    try {
      await camera.open();
      const challenge = await api(`/participants/${participant.participant_id}/challenge`);
      const form = new FormData();
      await capture.filmChallenge(camera, challenge, form, $("prompt"));
      form.append("nonce", challenge.nonce);
      $("prompt").textContent = "正在核验，请稍候…";
      const result = await api(`/participants/${participant.participant_id}/check-in`, { body: form });
      if (result.next_step === "forced_pass") {
        keepCamera = true;
        await takeEvidence(result.messages);
      } else {
        showCheckInResult(result);
      }
    } catch (error) {
      showMessage("现场确认未完成", [error.message], false);
      $("retry").hidden = false;
    } finally {
      if (!keepCamera) camera.close();
    }
  }

  function showMessage(title, lines, ok) {
    $("result-title").textContent = title;
    $("result-title").className = ok ? "result-ok" : "result-bad";
    capture.fillList($("result-messages"), lines);
    $("retry").hidden = true;
    $("retake-evidence").hidden = true;
    $("confirm-forced-pass").hidden = true;
    $("evidence-figure").hidden = true;
    show("step-result");
  }

  function showCheckInResult(result) {
    if (result.passed) {
      showMessage("现场确认通过", result.messages, true);
      return;
    }
    showMessage(result.outcome === "liveness_failed" ? "动作检测未通过" : "现场确认未通过", result.messages, false);
    $("retry").hidden = result.next_step !== "retry";
  }

  // Art. 13: recognition failed again, so the page photographs the student automatically.
  async function takeEvidence(messages) {
    $("capture-hint").textContent = "现场确认未通过，正在自动拍照留证，请保持正对镜头";
    $("prompt").textContent = "请保持不动，正在拍照…";
    try {
      await capture.sleep(EVIDENCE_DELAY_MS);
      await camera.nextVideoFrame(200);
      evidence = await camera.grabFrame();
    } finally {
      camera.close();
    }
    if (evidenceUrl) URL.revokeObjectURL(evidenceUrl);
    evidenceUrl = URL.createObjectURL(evidence);
    showMessage("现场确认未通过，已自动拍照留证", [...messages, "请核对留证照片后确认强制通过，结果将由同级资助部门复核"], false);
    $("evidence-image").src = evidenceUrl;
    $("evidence-figure").hidden = false;
    $("confirm-forced-pass").hidden = false;
    $("retry").hidden = false;
  }

  async function retakeEvidence() {
    show("step-capture");
    await camera.open();
    await takeEvidence([]);
  }

  async function confirmForcedPass() {
    const form = new FormData();
    form.append("photo", evidence, "evidence.jpg");
    let result;
    try {
      result = await api(`/participants/${participant.participant_id}/forced-pass`, { body: form });
    } catch (error) {
      $("retake-evidence").hidden = false;
      throw error;
    }
    showMessage(`已${result.status_label}`, [...result.messages, `复核截止：${result.review_due_at}`], true);
    $("evidence-figure").hidden = false;
  }

  function nextStudent() {
    camera.close();
    participant = null;
    evidence = null;
    showError("");
    show("step-identify");
  }

  $("read-card").addEventListener("click", (event) => busy(event.currentTarget, readCard));
  $("typed-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("find-typed"), findTyped);
  });
  $("start-check-in").addEventListener("click", (event) => busy(event.currentTarget, confirmOnSite));
  $("retry").addEventListener("click", (event) => busy(event.currentTarget, confirmOnSite));
  $("retake-evidence").addEventListener("click", (event) => busy(event.currentTarget, retakeEvidence));
  $("confirm-forced-pass").addEventListener("click", (event) => busy(event.currentTarget, confirmForcedPass));
  $("next-student").addEventListener("click", nextStudent);
  $("fullscreen").addEventListener("click", () => document.documentElement.requestFullscreen().catch(() => {}));
  show("step-identify");
})();
