"""Document downloads, only through a permission check. (Upload handling comes in #6.)"""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from claims import permissions
from documents.models import Document


@login_required
def download(request, pk):
    doc = get_object_or_404(
        Document.objects.select_related("claim"), pk=pk, deleted_at__isnull=True
    )
    if not permissions.can_view(request.user, doc.claim):
        raise Http404
    return FileResponse(doc.file.open("rb"), as_attachment=True, filename=doc.original_name)
