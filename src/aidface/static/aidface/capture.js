// Shared parts of the capture pages (enrolment terminal, check-in terminal and phone,
// pre-departure confirmation terminal): posting to the page's API, the camera, and
// filming the liveness challenge. Each page script keeps its own flow and passes in its
// own elements and messages. Load this file before the page script.
"use strict";

window.AidfaceCapture = (function () {
  const FRAME_WIDTH = 640;
  const FRAME_HEIGHT = 480;
  const JPEG_QUALITY = 0.85;
  const TERMINAL_CAMERA_MESSAGES = {
    unsupported: "此浏览器无法使用摄像头，请使用终端机自带的浏览器",
    refused: "无法打开摄像头，请检查摄像头连接并允许本页面使用摄像头",
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // Return a function that shows one step of `ids` and hides the others.
  function stepper(ids) {
    return (step) => {
      for (const id of ids) document.getElementById(id).hidden = id !== step;
    };
  }

  // Return a function that shows a message in `element`, or hides the element for an empty message.
  function errorLine(element) {
    return (message) => {
      element.textContent = message;
      element.hidden = !message;
    };
  }

  // Run `work` with the button disabled; its error message goes to `showError`.
  async function busy(button, work, showError) {
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

  // Read the ID card from the terminal's reader service at `readerUrl`. A reader that
  // cannot be reached throws `unreadable`, and the reader's own error message is thrown as is.
  async function readCard(readerUrl, unreadable) {
    let card;
    try {
      const response = await fetch(readerUrl, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      card = await response.json();
    } catch (error) {
      throw new Error(unreadable);
    }
    if (card.error) throw new Error(card.error);
    return card;
  }

  function defaultErrorMessage(response, data) {
    return data.message || data.detail || `服务器返回错误（${response.status}），请稍后重试`;
  }

  // POST helpers for `config.apiBase` with the page's CSRF token. An error status throws an
  // Error whose message comes from `errorMessage(response, data)`, and `error.data` is the
  // server's JSON response.
  function client(config, errorMessage = defaultErrorMessage) {
    async function post(path, options = {}) {
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
        const error = new Error(errorMessage(response, data));
        error.data = data;
        throw error;
      }
      return data;
    }

    function postJson(path, payload) {
      return post(path, { body: JSON.stringify(payload), headers: { "Content-Type": "application/json" } });
    }

    return { post, postJson };
  }

  // The camera shown in `video`. `options` may set `facingMode` and the Chinese messages
  // `unsupported` and `refused`; the terminal's messages are the default.
  function camera(video, options = {}) {
    const messages = { ...TERMINAL_CAMERA_MESSAGES, ...options };
    let stream = null;

    async function open() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        throw new Error(messages.unsupported);
      }
      const constraints = { width: FRAME_WIDTH, height: FRAME_HEIGHT };
      if (options.facingMode) constraints.facingMode = options.facingMode;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
      } catch (error) {
        throw new Error(messages.refused);
      }
      video.srcObject = stream;
      await video.play();
    }

    function close() {
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.srcObject = null;
    }

    // Unmirrored frame as JPEG: "turn left" is the person's own left, as the server expects.
    function grabFrame() {
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth || FRAME_WIDTH;
      canvas.height = video.videoHeight || FRAME_HEIGHT;
      canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
      return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
    }

    // Resolve when the camera presents a new frame (or after `limit` ms), so that two
    // grabs do not copy the same frame when the machine is briefly busy.
    function nextVideoFrame(limit) {
      if (!video.requestVideoFrameCallback) return sleep(0);
      return Promise.race([new Promise((resolve) => video.requestVideoFrameCallback(() => resolve())), sleep(limit)]);
    }

    return { open, close, grabFrame, nextVideoFrame };
  }

  async function sameBytes(first, second) {
    if (!first || first.size !== second.size) return false;
    const [a, b] = await Promise.all([first.arrayBuffer(), second.arrayBuffer()]);
    const left = new Uint8Array(a);
    const right = new Uint8Array(b);
    return left.every((value, index) => value === right[index]);
  }

  // Film the server's challenge at its frame rate with an open `cam`, showing each action's
  // prompt in `prompt`, and add the frames and their capture times to `form`.
  async function filmChallenge(cam, challenge, form, prompt) {
    const interval = 1000 / challenge.frames_per_second;
    const total = (challenge.lead_in_seconds + challenge.seconds_per_action * challenge.actions.length) * 1000;
    const count = Math.floor(total / interval);
    const times = [];
    let previous = null;
    const start = performance.now();
    for (let index = 0; index < count; index += 1) {
      const due = start + index * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const elapsed = performance.now() - start;
      const action = Math.floor((elapsed / 1000 - challenge.lead_in_seconds) / challenge.seconds_per_action);
      prompt.textContent = action < 0 ? "请正对镜头" : challenge.prompts[Math.min(action, challenge.prompts.length - 1)];
      await cam.nextVideoFrame(interval / 2);
      const frame = await cam.grabFrame();
      // The server rejects repeated frames as a replay, so a frame the camera repeated is left out.
      if (await sameBytes(previous, frame)) continue;
      previous = frame;
      times.push(performance.now());
      form.append("frames", frame, `frame${index}.jpg`);
    }
    form.append("captured_ms", JSON.stringify(times));
  }

  // Replace the items of the list element `list` with one item per line of text.
  function fillList(list, lines) {
    list.replaceChildren(...lines.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  }

  return { sleep, stepper, errorLine, busy, readCard, client, camera, filmChallenge, fillList };
})();
