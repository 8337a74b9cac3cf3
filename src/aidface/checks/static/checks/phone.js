// Phone check-in (the mobile web page): take a location fix, film the liveness challenge, send both and
// show the result. The server checks everything again; this page only guides the student.
//
// Location source. In a plain browser the page uses the Geolocation API, which reports
// WGS-84, and tags the fix "wgs84". When the page runs inside a host app that provides
// a location bridge, the page uses the bridge instead:
//
//   window.AidfaceHost.getLocation() -> Promise<{
//     latitude: number,      // degrees
//     longitude: number,     // degrees
//     accuracy: number,      // uncertainty radius in metres
//     coordSystem: "wgs84" | "gcj02" | "bd09",  // the system the app's map SDK reports in
//   }>
//
// Map SDKs inside Chinese apps usually report GCJ-02 (Amap, Tencent) or BD-09 (Baidu).
// The page sends the bridge's tag unchanged and never converts, because the server
// converts every point to WGS-84 before measuring. A fix without a tag is rejected.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("phone-config").textContent);
  const $ = (id) => document.getElementById(id);
  const capture = window.AidfaceCapture;
  const show = capture.stepper(["step-intro", "step-capture", "step-result"]);
  const showError = capture.errorLine($("error"));
  // A refusal carries the server's next step in `error.data.next_step`.
  const { post } = capture.client(config);
  const api = (path, body) => post(path, { body });
  const camera = capture.camera($("preview"), {
    facingMode: "user",
    unsupported: "此浏览器无法使用摄像头，请换用手机自带的浏览器",
    refused: "无法打开摄像头，请允许本页面使用摄像头后重试",
  });
  const LOCATION_TIMEOUT_MS = 20000;
  const DEVICE_KEY = "aidface.deviceId";
  const COORD_SYSTEMS = ["wgs84", "gcj02", "bd09"];

  // A random id kept in this browser, so the office can see one phone checking in for
  // several students. The server stores only its SHA-256.
  function deviceId() {
    let value = null;
    try {
      value = window.localStorage.getItem(DEVICE_KEY);
    } catch (error) {
      value = null;
    }
    if (!value) {
      const bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      value = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
      try {
        window.localStorage.setItem(DEVICE_KEY, value);
      } catch (error) {
        // Private browsing may refuse storage; the id then lasts for this page only.
      }
    }
    return value;
  }

  function hostBridge() {
    const host = window.AidfaceHost;
    return host && typeof host.getLocation === "function" ? host : null;
  }

  function browserLocation() {
    if (!navigator.geolocation) {
      return Promise.reject(new Error("此浏览器无法获取位置信息，请换用手机自带的浏览器"));
    }
    return new Promise((resolve, reject) => {
      navigator.geolocation.getCurrentPosition(
        (position) =>
          resolve({
            latitude: position.coords.latitude,
            longitude: position.coords.longitude,
            accuracy: position.coords.accuracy,
            coordSystem: "wgs84",
            capturedAt: new Date(position.timestamp).toISOString(),
          }),
        (error) =>
          reject(
            new Error(
              error.code === error.PERMISSION_DENIED
                ? "未获得位置权限。请在浏览器设置中允许本页面使用位置信息，并打开手机定位服务后重试"
                : "无法获取当前位置，请打开手机定位服务、到室外开阔处后重试"
            )
          ),
        { enableHighAccuracy: true, timeout: LOCATION_TIMEOUT_MS, maximumAge: 0 }
      );
    });
  }

  async function currentLocation() {
    const host = hostBridge();
    if (!host) return browserLocation();
    let fix;
    try {
      fix = await host.getLocation();
    } catch (error) {
      throw new Error("无法从应用获取当前位置，请打开手机定位服务后重试");
    }
    if (!fix || !COORD_SYSTEMS.includes(fix.coordSystem)) {
      throw new Error("应用提供的定位缺少坐标系标识，无法签到，请更新应用后重试");
    }
    return { ...fix, capturedAt: fix.capturedAt || new Date().toISOString() };
  }

  async function checkIn() {
    showError("");
    $("start").disabled = true;
    $("retry").disabled = true;
    try {
      // The fix comes first: waiting for it must not use up the challenge's time.
      show("step-capture");
      $("prompt").textContent = "正在获取位置…";
      $("capture-hint").textContent = "请稍候，正在获取手机定位";
      const fix = await currentLocation();

      $("prompt").textContent = "请正对镜头";
      $("capture-hint").textContent = "请正对镜头，按屏幕提示完成动作";
      await camera.open();
      try {
        const challenge = await api(`/challenge?participant_id=${encodeURIComponent(config.participantId)}`);
        const form = new FormData();
        await capture.filmChallenge(camera, challenge, form, $("prompt"));
        $("prompt").textContent = "正在核验，请稍候…";
        form.append("nonce", challenge.nonce);
        form.append("latitude", String(fix.latitude));
        form.append("longitude", String(fix.longitude));
        form.append("accuracy", String(fix.accuracy));
        form.append("coord_system", fix.coordSystem);
        form.append("captured_at", fix.capturedAt);
        form.append("device_id", deviceId());
        showResult(await api("/check-in", form));
      } finally {
        camera.close();
      }
    } catch (error) {
      showRefusal(error);
    } finally {
      $("start").disabled = false;
      $("retry").disabled = false;
    }
  }

  function fillMessages(lines) {
    capture.fillList($("result-messages"), lines);
  }

  function showNextStep(nextStep) {
    $("terminal-notice").hidden = nextStep !== "go_to_terminal";
    $("retry").hidden = nextStep !== "retry";
  }

  function showResult(result) {
    const title = $("result-title");
    if (result.passed) {
      title.textContent = "签到成功";
    } else if (!result.counted) {
      title.textContent = "需要重新签到";
    } else {
      title.textContent = "签到未通过";
    }
    title.className = result.passed ? "result-ok" : "result-bad";
    fillMessages(result.messages);
    if (result.attempts_left !== null && result.attempts_left !== undefined) {
      $("attempts-left").textContent = String(result.attempts_left);
    }
    showNextStep(result.next_step);
    show("step-result");
  }

  function showRefusal(error) {
    $("result-title").textContent = "签到未完成";
    $("result-title").className = "result-bad";
    fillMessages([error.message]);
    // A refusal without a next step (no fix, camera refused, check closed) may be retried.
    showNextStep(error.data && error.data.next_step ? error.data.next_step : "retry");
    show("step-result");
  }

  $("start").addEventListener("click", checkIn);
  $("retry").addEventListener("click", checkIn);
  show("step-intro");
})();
