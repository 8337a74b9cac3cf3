"""Typed errors of the face engine, each with a code and a Chinese message for people."""

# Default Chinese message per code. Callers may pass a more specific message
# (for example one that names the measured value), but every code has one.
MESSAGES: dict[str, str] = {
    "unreadable_image": "图片无法读取，请重新拍摄",
    "file_too_large": "图片文件超过 10 MB，请压缩后重新上传",
    "image_too_large": "图片像素超过 4000 万，请缩小后重新上传",
    "unsupported_format": "不支持的图片格式，请上传 JPEG、PNG、WebP、BMP 或 HEIC 图片",
    "no_face": "未检测到人脸，请正对镜头重新拍摄",
    "multiple_faces": "画面中有多张人脸，请确保只有本人在镜头前",
    "reference_unusable": "身份证照片无法识别人脸，请转人工审核",
    "face_too_small": "人脸太小，请靠近镜头",
    "blurry": "照片模糊，请保持手机稳定后重新拍摄",
    "too_dark": "光线太暗，请到明亮处重新拍摄",
    "overexposed": "光线过强，请避开强光后重新拍摄",
    "head_turned": "请正对镜头",
    "eyes_closed": "请睁开眼睛",
    "model_mismatch": "人脸模板由其他版本的模型生成，请重新采集",
    "challenge_expired": "动作验证已超时，请重新开始",
    "nonce_reused": "该验证请求已使用过，请重新开始",
    "liveness_failed": "活体检测未通过，请按提示完成动作后重试",
}


class FaceError(Exception):
    """A face-engine failure that a person can act on.

    `code` is a stable English identifier for programs and logs; `message` is the
    plain Chinese sentence shown to the person.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        if message is None:
            message = MESSAGES.get(code, MESSAGES["unreadable_image"])
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
