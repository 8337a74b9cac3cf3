// Enrolment kiosk: read the ID card from the terminal's reader service, record consent,
// film the liveness challenge and send the frames; then offer the Art. 7 fallbacks.
// The server checks everything again; this page only guides the student.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("terminal-config").textContent);
  const $ = (id) => document.getElementById(id);
  const steps = ["step-card", "step-consent", "step-capture", "step-result"];
  const FRAME_WIDTH = 640;
  const FRAME_HEIGHT = 480;
  const JPEG_QUALITY = 0.85;

  let enrolment = null;
  let stream = null;

  function show(step) {
    for (const id of steps) $(id).hidden = id !== step;
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
  }

  async function api(path, options = {}) {
    const response = await fetch(config.apiBase + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": config.csrfToken, ...(options.headers || {}) },
      body: options.body,
    });
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (!response.ok) {
      throw new Error(data.message || data.detail || `服务器返回错误（${response.status}），请稍后重试`);
    }
    return data;
  }

  function postJson(path, payload) {
    return api(path, { body: JSON.stringify(payload), headers: { "Content-Type": "application/json" } });
  }

  async function busy(button, work) {
    button.disabled = true;
    showError("");
    try {
      await work();
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = false;
    }
  }

  // Step 1: the card, read by the reader service on this terminal and checked by the server.
  async function readCard() {
    let card;
    try {
      const response = await fetch(config.readerUrl, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      card = await response.json();
    } catch (error) {
      throw new Error("无法从身份证读卡器读取证件，请确认读卡器已连接、证件已放好后重试");
    }
    if (card.error) throw new Error(card.error);
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

  // The camera opens only after consent, and closes after each capture.
  async function openCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error("此浏览器无法使用摄像头，请使用终端机自带的浏览器");
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { width: FRAME_WIDTH, height: FRAME_HEIGHT },
        audio: false,
      });
    } catch (error) {
      throw new Error("无法打开摄像头，请检查摄像头连接并允许本页面使用摄像头");
    }
    const video = $("preview");
    video.srcObject = stream;
    await video.play();
  }

  function closeCamera() {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    $("preview").srcObject = null;
  }

  // Unmirrored frame as JPEG: "turn left" is the person's own left, as the server expects.
  function grabFrame() {
    const video = $("preview");
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth || FRAME_WIDTH;
    canvas.height = video.videoHeight || FRAME_HEIGHT;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Resolve when the camera presents a new frame (or after `limit` ms), so that two
  // grabs do not copy the same frame when the machine is briefly busy.
  function nextVideoFrame(limit) {
    const video = $("preview");
    if (!video.requestVideoFrameCallback) return sleep(0);
    return Promise.race([new Promise((resolve) => video.requestVideoFrameCallback(() => resolve())), sleep(limit)]);
  }

  async function sameBytes(first, second) {
    if (!first || first.size !== second.size) return false;
    const [a, b] = await Promise.all([first.arrayBuffer(), second.arrayBuffer()]);
    const left = new Uint8Array(a);
    const right = new Uint8Array(b);
    return left.every((value, index) => value === right[index]);
  }

  // Step 3: the server's challenge, its prompts on screen, and the filmed frames.
  async function captureLiveness() {
    show("step-capture");
    $("take-evidence").hidden = true;
    $("capture-hint").textContent = "请正对镜头，按屏幕提示完成动作";
    $("prompt").textContent = "请正对镜头";
    await openCamera();
    try {
      const challenge = await api(`/${enrolment.enrolment_id}/challenge`);
      const interval = 1000 / challenge.frames_per_second;
      const total = (challenge.lead_in_seconds + challenge.seconds_per_action * challenge.actions.length) * 1000;
      const count = Math.floor(total / interval);
      const form = new FormData();
      const times = [];
      let previous = null;
      const start = performance.now();
      for (let index = 0; index < count; index += 1) {
        const due = start + index * interval;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const elapsed = performance.now() - start;
        const action = Math.floor((elapsed / 1000 - challenge.lead_in_seconds) / challenge.seconds_per_action);
        $("prompt").textContent = action < 0 ? "请正对镜头" : challenge.prompts[Math.min(action, challenge.prompts.length - 1)];
        await nextVideoFrame(interval / 2);
        const frame = await grabFrame();
        // The server rejects repeated frames as a replay, so a frame the camera repeated is left out.
        if (await sameBytes(previous, frame)) continue;
        previous = frame;
        times.push(performance.now());
        form.append("frames", frame, `frame${index}.jpg`);
      }
      $("prompt").textContent = "正在核验，请稍候…";
      form.append("nonce", challenge.nonce);
      form.append("captured_ms", JSON.stringify(times));
      const result = await api(`/${enrolment.enrolment_id}/capture`, { body: form });
      showResult(result);
    } catch (error) {
      showUnfinished(error.message);
    } finally {
      closeCamera();
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
    await openCamera();
  }

  async function takeEvidence() {
    const form = new FormData();
    form.append("photo", await grabFrame(), "evidence.jpg");
    try {
      await api(`/${enrolment.enrolment_id}/evidence`, { body: form });
    } finally {
      closeCamera();
      $("take-evidence").hidden = true;
    }
    $("evidence").hidden = true;
    $("provisional").hidden = true;
    showDone("佐证照片已保存", "请学校管理员在系统中向同级资助部门提交佐证申诉");
  }

  function nextStudent() {
    closeCamera();
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
