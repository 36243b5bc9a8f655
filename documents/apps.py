from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "書類"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Django refuses a multipart part whose headers pass 1 KB with a bare 400; a file
        # name of ~340 Japanese characters already does. At 4 KB such names reach the
        # upload view, which shortens them to 255 characters and says so; a part beyond
        # that is refused there with a Japanese message (documents.views.upload).
        from django.http import multipartparser

        multipartparser.MAX_TOTAL_HEADER_SIZE = max(multipartparser.MAX_TOTAL_HEADER_SIZE, 4096)

        # Act on what the claims app announces (claims.signals): a payout approved, items
        # changed, documents requested.
        from documents import receivers  # noqa: F401
