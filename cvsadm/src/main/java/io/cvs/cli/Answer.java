package io.cvs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/**
 * A document the daemon sent (an answer's body, or one item of it), twice: as sent, which {@code -o json|yaml}
 * prints unchanged (every member, in the daemon's order, numbers as written), and as its typed {@link Api} view,
 * which tables and messages read.
 */
record Answer<T>(JsonNode document, T view) {

    static <T> Answer<T> of(JsonNode document, Class<T> type) {
        return new Answer<>(document, Json.view(document, type));
    }

    /**
     * The items of one of the document's arrays, each with its view: {@code page.items("items", ServiceList::items)}
     * pairs each service of a page, as sent, with its record.
     */
    <E> List<Answer<E>> items(String member, Function<T, List<E>> views) {
        List<E> itemViews = views.apply(view);
        JsonNode documents = document.path(member);
        List<Answer<E>> items = new ArrayList<>(itemViews.size());
        for (int i = 0; i < itemViews.size(); i++) {
            items.add(new Answer<>(documents.get(i), itemViews.get(i)));
        }
        return items;
    }

    /** The documents as one JSON array, as the machine formats print a list. */
    static ArrayNode documents(List<? extends Answer<?>> answers) {
        ArrayNode array = Json.JSON.createArrayNode();
        answers.forEach(answer -> array.add(answer.document()));
        return array;
    }
}
